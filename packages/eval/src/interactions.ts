import type { Interactions as DataInteractions } from '@fm/data';
import { checkIds } from './validate.js';

/**
 * The (user, item) columns of `@fm/data`'s `Interactions` — all the protocols read: pair j is
 * `(user[j], item[j])`, item ids in `0..numItems-1`. A full `Interactions` log passes as it is.
 */
export type Interactions = Pick<DataInteractions, 'user' | 'item'>;

/** Result of an evaluation protocol. */
export interface EvaluationResult {
  /** Mean metrics keyed by `metricKey`: `"hr@10"`, `"ndcg@10"`, `"mrr"`, … */
  metrics: Record<string, number>;
  /** Number of cases averaged over: test pairs (sampled protocol) or users (full ranking). */
  count: number;
}

/** Validates a pair of columns and its item range. @internal */
export function checkInteractions(fn: string, name: string, x: Interactions, numItems: number): void {
  if (x.user.length !== x.item.length) {
    throw new Error(`${fn}: ${name}.user has ${x.user.length} entries but ${name}.item has ${x.item.length}`);
  }
  checkIds(fn, `${name}.item`, x.item, numItems);
  for (let i = 0; i < x.user.length; i++) {
    const u = x.user[i] as number;
    if (!Number.isInteger(u) || u < 0) throw new Error(`${fn}: ${name}.user[${i}] is ${u}, expected an integer id ≥ 0`);
  }
}

/** Items of each user, in order of appearance, duplicates removed. @internal */
export function itemsByUser(x: Interactions, only?: ReadonlyMap<number, unknown>): Map<number, Set<number>> {
  const m = new Map<number, Set<number>>();
  for (let i = 0; i < x.user.length; i++) {
    const u = x.user[i] as number;
    if (only && !only.has(u)) continue;
    let s = m.get(u);
    if (!s) m.set(u, (s = new Set()));
    s.add(x.item[i] as number);
  }
  return m;
}
