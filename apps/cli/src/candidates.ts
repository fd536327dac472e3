import { readFile } from 'node:fs/promises';
import type { Encoder } from '@fm/data';
import { parseNcfNegatives } from '@fm/eval';
import { CliError } from './errors.js';
import type { UserItemLayout } from './ranking.js';

/** The quirks of a published candidates file, each counted (and each still evaluated). */
export interface CandidateQuirks {
  lines: number;
  /** Negatives equal to the line's own test item: dropped (a positive is no negative). */
  testItemInNegatives: number;
  /** Negatives listed twice on a line: the repeats dropped. */
  repeatedNegatives: number;
  /** Negatives no one trained on: scored through the out-of-vocabulary bucket. */
  unseenNegatives: number;
  /** Test items no one trained on: scored through the out-of-vocabulary bucket. */
  unseenTestItems: number;
  /** Users the model never saw: scored through the user out-of-vocabulary bucket. */
  unseenUsers: number;
}

/** Candidates in local ids, with the virtual ids used for unseen users and items. */
export interface Candidates {
  test: { user: Int32Array; item: Int32Array };
  negatives: Map<number, Int32Array>;
  /** Item ids ≥ numItems stand for distinct unseen items (scored as item 0). */
  virtualItems: number;
  /** User ids ≥ numUsers stand for distinct unseen users (scored as user 0). */
  virtualUsers: number;
  quirks: CandidateQuirks;
}

function lookup(encoder: Encoder | undefined, field: string, raw: number, card: number): number {
  if (!encoder) return raw >= 1 && raw < card ? raw : 0;
  return encoder.encode(field, raw) - (encoder.schema.offsets[encoder.schema.fieldIndex(field)] as number);
}

/**
 * Reads an NCF `.test.negative` file (`(user,item)<TAB>neg1<TAB>neg2…`, raw ids) against a model's
 * encoder. Published files have quirks, evaluated rather than refused: a user's negatives may contain
 * its own test item (dropped), repeat an item (repeats dropped), or hold items (or users) no one
 * trained on (each scored through the out-of-vocabulary bucket, as a distinct candidate). Each quirk
 * is counted. A malformed line is an error naming file:line.
 */
export async function readCandidates(path: string, encoder: Encoder | undefined, layout: UserItemLayout): Promise<Candidates> {
  const text = await readFile(path, 'latin1').catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`--candidates ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, expected a file' : e.message}`);
  });
  let ncf;
  try {
    ncf = parseNcfNegatives(text, path);
  } catch (e) {
    throw new CliError((e as Error).message.replace(/^parseNcfNegatives: /, ''));
  }
  if (ncf.test.user.length === 0) throw new CliError(`--candidates ${path}: no "(user,item)" lines`);
  const quirks: CandidateQuirks = { lines: ncf.test.user.length, testItemInNegatives: 0, repeatedNegatives: 0, unseenNegatives: 0, unseenTestItems: 0, unseenUsers: 0 };
  let virtualItems = 0;
  let virtualUsers = 0;
  const n = ncf.test.user.length;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const negatives = new Map<number, Int32Array>();
  for (let r = 0; r < n; r++) {
    const rawUser = ncf.test.user[r] as number;
    const rawItem = ncf.test.item[r] as number;
    let u = lookup(encoder, 'user', rawUser, layout.numUsers);
    if (u === 0) {
      quirks.unseenUsers++;
      u = layout.numUsers + virtualUsers++;
    }
    const i = lookup(encoder, 'item', rawItem, layout.numItems);
    if (i === 0) quirks.unseenTestItems++;
    user[r] = u;
    item[r] = i;
    const seenRaw = new Set<number>();
    const list: number[] = [];
    for (const rawNeg of ncf.negatives.get(rawUser) ?? []) {
      if (rawNeg === rawItem) {
        quirks.testItemInNegatives++;
        continue;
      }
      if (seenRaw.has(rawNeg)) {
        quirks.repeatedNegatives++;
        continue;
      }
      seenRaw.add(rawNeg);
      const local = lookup(encoder, 'item', rawNeg, layout.numItems);
      if (local === 0) {
        quirks.unseenNegatives++;
        list.push(layout.numItems + virtualItems++);
      } else list.push(local);
    }
    negatives.set(u, Int32Array.from(list));
  }
  return { test: { user, item }, negatives, virtualItems, virtualUsers, quirks };
}

/** One line listing the quirks found, or undefined when there were none. */
export function describeQuirks(path: string, q: CandidateQuirks): string | undefined {
  const parts = [
    q.testItemInNegatives && `${q.testItemInNegatives} negatives equal to the line's test item (dropped)`,
    q.repeatedNegatives && `${q.repeatedNegatives} repeated negatives (dropped)`,
    q.unseenNegatives && `${q.unseenNegatives} negatives no one trained on`,
    q.unseenTestItems && `${q.unseenTestItems} test items no one trained on`,
    q.unseenUsers && `${q.unseenUsers} users the model never saw`,
  ].filter((p): p is string => typeof p === 'string');
  if (parts.length === 0) return undefined;
  return `${path}: ${parts.join(', ')}; unseen ones are scored through the out-of-vocabulary bucket`;
}
