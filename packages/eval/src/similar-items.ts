import * as tf from '@tensorflow/tfjs';
import type { TopK } from './recommend.js';
import { checkK } from './validate.js';

/** Options of {@link similarItems}. */
export interface SimilarItemsOptions {
  /** `'cosine'` (default): ⟨q_i, q_j⟩ / (‖q_i‖‖q_j‖), 0 when either norm is 0; `'dot'`: ⟨q_i, q_j⟩. */
  metric?: 'cosine' | 'dot';
}

/**
 * The k items most similar to `item` by their latent factors, the item itself excluded, computed
 * with one matMul and `tf.topk` on the backend (ties broken by lower item id).
 *
 * @param itemFactors `[numItems, d]` item factors (not owned).
 * @param item the query item.
 * @param k list length ≥ 1; at most numItems − 1 items come back.
 */
export async function similarItems(itemFactors: tf.Tensor2D, item: number, k: number, opts: SimilarItemsOptions = {}): Promise<TopK> {
  checkK('similarItems', k);
  if (itemFactors.rank !== 2) throw new Error(`similarItems: itemFactors must be [numItems, d], got [${itemFactors.shape}]`);
  const numItems = itemFactors.shape[0];
  if (!Number.isInteger(item) || item < 0 || item >= numItems) throw new Error(`similarItems: item ${item} is outside [0, ${numItems})`);
  const metric = opts.metric ?? 'cosine';
  if (metric !== 'cosine' && metric !== 'dot') throw new Error(`similarItems: metric must be 'cosine' or 'dot', got '${String(metric)}'`);
  const kEff = Math.min(k, numItems - 1);
  if (kEff === 0) return { items: new Int32Array(0), scores: new Float32Array(0) };
  const [values, indices] = tf.tidy(() => {
    const q = tf.gather(itemFactors, tf.tensor1d([item], 'int32'));
    let s = tf.matMul(itemFactors, q, false, true).reshape([numItems]);
    if (metric === 'cosine') {
      const norms = tf.sqrt(tf.sum(tf.square(itemFactors), 1));
      const denom = tf.mul(norms, tf.gather(norms, tf.tensor1d([item], 'int32')));
      s = tf.where(tf.greater(denom, 0), tf.div(s, denom), tf.zerosLike(s));
    }
    const self = tf.cast(tf.oneHot(tf.tensor1d([item], 'int32'), numItems).reshape([numItems]), 'bool');
    const top = tf.topk(tf.where(self, tf.fill([numItems], Number.NEGATIVE_INFINITY), s), kEff);
    return [top.values, top.indices];
  });
  const [v, ix] = (await Promise.all([values.data(), indices.data()])) as [Float32Array, Int32Array];
  tf.dispose([values, indices]);
  return { items: ix, scores: v };
}
