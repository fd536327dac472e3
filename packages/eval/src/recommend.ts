import * as tf from '@tensorflow/tfjs';
import type { RankingScorer } from './ranking-scorer.js';
import { userMask } from './user-mask.js';
import { checkK } from './validate.js';

/** A top-k list: items best first and their scores. */
export interface TopK {
  /** `[≤ k]` item ids, best first. */
  items: Int32Array;
  /** `[≤ k]` their scores. */
  scores: Float32Array;
}

/** Options of {@link recommend}. */
export interface RecommendOptions {
  /** Items never to recommend (typically the user's training items). */
  exclude?: Int32Array | ReadonlySet<number>;
}

/**
 * The k best items for one user. Scores every item on the backend, masks `exclude` to −Infinity
 * and takes `tf.topk`; ties are broken by lower item id (tf.topk's rule). Returns fewer than k
 * items when fewer than k are not excluded; items the model itself scores −Infinity are treated
 * like excluded ones and may be left out.
 *
 * @param scorer the model.
 * @param user the user id, as the scorer knows it.
 * @param k list length ≥ 1.
 * @throws when an excluded id is out of range or the scorer returns NaN.
 */
export async function recommend(scorer: RankingScorer, user: number, k: number, opts: RecommendOptions = {}): Promise<TopK> {
  checkK('recommend', k);
  const numItems = scorer.numItems;
  const exclude = opts.exclude instanceof Set ? (opts.exclude as ReadonlySet<number>) : new Set(opts.exclude ?? []);
  for (const i of exclude) {
    if (!Number.isInteger(i) || i < 0 || i >= numItems) throw new Error(`recommend: excluded item ${i} is outside [0, ${numItems})`);
  }
  const scores = scorer.scoreMatrix(Int32Array.of(user));
  if (scores.shape[0] !== 1 || scores.shape[1] !== numItems) {
    scores.dispose();
    throw new Error(`recommend: scoreMatrix returned shape [${scores.shape}], expected [1, ${numItems}]`);
  }
  const kEff = Math.min(k, numItems);
  const [values, indices, nan] = tf.tidy(() => {
    const masked = tf.where(tf.cast(userMask([exclude], numItems), 'bool'), tf.fill([1, numItems], Number.NEGATIVE_INFINITY), scores);
    const top = tf.topk(masked, kEff);
    return [top.values, top.indices, tf.sum(tf.cast(tf.isNaN(scores), 'int32'))];
  });
  scores.dispose();
  const [v, ix, n] = (await Promise.all([values.data(), indices.data(), nan.data()])) as [Float32Array, Int32Array, Int32Array];
  tf.dispose([values, indices, nan]);
  if ((n[0] as number) > 0) throw new Error(`recommend: the scorer returned NaN for user ${user}`);
  let len = 0;
  while (len < kEff && (v[len] as number) > Number.NEGATIVE_INFINITY) len++;
  return { items: ix.slice(0, len), scores: v.slice(0, len) };
}
