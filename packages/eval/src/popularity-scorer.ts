import * as tf from '@tensorflow/tfjs';
import type { RankingScorer } from './ranking-scorer.js';
import { checkIds } from './validate.js';

/**
 * The most-popular baseline: every user gets score(u, i) = number of training interactions of item
 * i. Many items tie (e.g. all items never seen in training score 0); the protocols' pessimistic tie
 * rule keeps those ties from being counted as hits. Holds no tensors.
 *
 * @param trainItems `[n]` item id of every training interaction (repeats count).
 * @param numItems catalogue size; item ids are `0..numItems-1`.
 */
export function popularityScorer(trainItems: Int32Array, numItems: number): RankingScorer {
  if (!Number.isInteger(numItems) || numItems < 1) throw new Error(`popularityScorer: numItems must be an integer ≥ 1, got ${numItems}`);
  checkIds('popularityScorer', 'trainItems', trainItems, numItems);
  const counts = new Float32Array(numItems);
  for (let i = 0; i < trainItems.length; i++) counts[trainItems[i] as number]! += 1;
  const pick = (items: Int32Array): Float32Array => {
    checkIds('popularityScorer', 'items', items, numItems);
    return Float32Array.from(items, (i) => counts[i] as number);
  };
  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      const row = items ? pick(items) : counts;
      return tf.tidy(() => tf.tile(tf.tensor2d(row, [1, row.length]), [users.length, 1]));
    },
    scorePairs(users: Int32Array, items: Int32Array): tf.Tensor1D {
      if (users.length !== items.length) throw new Error(`popularityScorer.scorePairs: ${users.length} users but ${items.length} items`);
      return tf.tensor1d(pick(items));
    },
  };
}
