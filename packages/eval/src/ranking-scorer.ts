import type * as tf from '@tensorflow/tfjs';

/**
 * The only thing the protocols and `recommend` need from a model: scores for users × items, on the
 * tfjs backend. Items are dense indices `0..numItems-1`; users are whatever ids the scorer knows.
 * Higher scores mean "more relevant"; any monotone scale (logits, probabilities, ratings) works.
 * Returned tensors belong to the caller, who disposes them.
 */
export interface RankingScorer {
  /** Number of items; items are dense indices `0..numItems-1`. */
  readonly numItems: number;
  /**
   * Scores of every (user, item) combination.
   * @param users `[U]` user ids.
   * @param items `[I]` item ids; all `numItems` items, in order, when omitted.
   * @returns `[U, I]` scores, row u for `users[u]`.
   */
  scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D;
  /**
   * Optional: scores of aligned pairs (users[j], items[j]), `[P]`. The sampled protocol uses it when
   * present (each user has different candidates), and otherwise scores a user × union-of-candidates
   * matrix and gathers from it.
   */
  scorePairs?(users: Int32Array, items: Int32Array): tf.Tensor1D;
}
