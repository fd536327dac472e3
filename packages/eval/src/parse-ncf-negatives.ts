import type { Interactions } from './interactions.js';

/** The contents of an NCF `.test.negative` file. */
export interface NcfNegatives {
  /** `[n]` the held-out positive pair of each line. */
  test: Interactions;
  /** Per user, the sampled negatives of its line. */
  negatives: Map<number, Int32Array>;
}

const ID = /^\d+$/;

/**
 * Parses the `.test.negative` format of He et al.'s NCF data (e.g. `ml-1m.test.negative`): one line
 * per test user, `(user,item)` followed by tab-separated negative item ids,
 * `(0,25)\t1064\t174\t…`. Blank lines are ignored; a user on two lines is an error. The result
 * feeds {@link evaluateSampled} directly: `evaluateSampled(scorer, r.test, r.negatives)`.
 *
 * @param input the whole file as a string, or its lines.
 * @param source name used in error messages (e.g. the file path), default `"input"`.
 * @throws naming `source:line` for a malformed line, a non-integer id or a repeated user.
 */
export function parseNcfNegatives(input: string | Iterable<string>, source = 'input'): NcfNegatives {
  const lines = typeof input === 'string' ? input.split(/\r?\n/) : input;
  const users: number[] = [];
  const items: number[] = [];
  const negatives = new Map<number, Int32Array>();
  const lineOf = new Map<number, number>();
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.replace(/\s+$/, ''); // trailing tabs/spaces/CR are not ids
    if (line.trim() === '') continue;
    const where = `parseNcfNegatives: ${source}:${lineNo}`;
    const parts = line.split('\t');
    const head = /^\((\d+),\s*(\d+)\)$/.exec((parts[0] as string).trim());
    if (!head) throw new Error(`${where}: expected "(user,item)" followed by tab-separated negative ids, got "${line.slice(0, 60)}"`);
    const user = Number(head[1]);
    const item = Number(head[2]);
    const prev = lineOf.get(user);
    if (prev !== undefined) throw new Error(`${where}: user ${user} already has a line (line ${prev})`);
    const negs = new Int32Array(parts.length - 1);
    for (let j = 1; j < parts.length; j++) {
      const t = (parts[j] as string).trim();
      if (!ID.test(t)) throw new Error(`${where}: negative ${j} is "${t}", expected a non-negative integer item id`);
      negs[j - 1] = Number(t);
    }
    lineOf.set(user, lineNo);
    users.push(user);
    items.push(item);
    negatives.set(user, negs);
  }
  return { test: { user: Int32Array.from(users), item: Int32Array.from(items) }, negatives };
}
