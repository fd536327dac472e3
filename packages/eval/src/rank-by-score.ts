import { toSet, type RelevantItems } from './ranking-metrics.js';

/**
 * Orders items by descending score with deterministic, pessimistic tie-breaking: among items with
 * equal scores, non-relevant items come first (a relevant item tied with negatives ranks after
 * all of them), then lower item ids first. The pessimistic rule keeps a model that gives every
 * item the same score from getting credit; it is the convention of every protocol in this package.
 * Sorts in JavaScript: meant for short candidate lists; use `recommend` or the protocols for
 * whole catalogues.
 *
 * @param items `[n]` distinct item ids.
 * @param scores `[n]` their scores (finite or ±Infinity; NaN is an error).
 * @param relevant the relevant items, for the tie rule; omit to break ties by id only.
 * @returns the item ids, best first, `[n]`.
 */
export function rankByScore(items: ArrayLike<number>, scores: ArrayLike<number>, relevant?: RelevantItems): Int32Array {
  if (items.length !== scores.length) {
    throw new Error(`rankByScore: ${items.length} items but ${scores.length} scores; they must be paired`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`rankByScore: scores[${i}] (item ${items[i]}) is NaN`);
  }
  const rel = relevant === undefined ? new Set<number>() : toSet(relevant);
  const order = Array.from({ length: items.length }, (_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    if (sa !== sb) return sa > sb ? -1 : 1;
    const ra = rel.has(items[a] as number) ? 1 : 0;
    const rb = rel.has(items[b] as number) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    return (items[a] as number) - (items[b] as number);
  });
  return Int32Array.from(order, (i) => items[i] as number);
}
