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

/** Options of {@link recommendAll}. */
export interface RecommendAllOptions {
  /** Items never to recommend to each user (typically their training items). */
  exclude?: ReadonlyMap<number, Int32Array | ReadonlySet<number>>;
  /** Users scored per backend call; default ⌊4,194,304 / numItems⌋ clamped to [1, 4096]. */
  batchSize?: number;
}

/**
 * The k best items for every user in `users`, as {@link recommend} gives them one at a time, but
 * scoring a batch of users × the whole catalogue per call and taking `tf.topk` over the batch:
 * the per-call overhead is paid once per batch instead of once per user.
 *
 * @returns one {@link TopK} per entry of `users`, in order.
 */
export async function recommendAll(scorer: RankingScorer, users: Int32Array, k: number, opts: RecommendAllOptions = {}): Promise<TopK[]> {
  checkK('recommendAll', k);
  const numItems = scorer.numItems;
  const batch = opts.batchSize ?? Math.min(4096, Math.max(1, Math.floor(4_194_304 / numItems)));
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`recommendAll: batchSize must be an integer ≥ 1, got ${batch}`);
  const kEff = Math.min(k, numItems);
  const out: TopK[] = [];
  for (let s = 0; s < users.length; s += batch) {
    const us = users.subarray(s, Math.min(users.length, s + batch));
    const lists = Array.from(us, (u) => {
      const ex = opts.exclude?.get(u);
      const set = ex instanceof Set ? (ex as ReadonlySet<number>) : new Set(ex ?? []);
      for (const i of set) {
        if (!Number.isInteger(i) || i < 0 || i >= numItems) throw new Error(`recommendAll: excluded item ${i} of user ${u} is outside [0, ${numItems})`);
      }
      return set;
    });
    const scores = scorer.scoreMatrix(us);
    if (scores.shape[0] !== us.length || scores.shape[1] !== numItems) {
      scores.dispose();
      throw new Error(`recommendAll: scoreMatrix returned shape [${scores.shape}], expected [${us.length}, ${numItems}]`);
    }
    const [values, indices, nan] = tf.tidy(() => {
      const masked = tf.where(tf.cast(userMask(lists, numItems), 'bool'), tf.fill([us.length, numItems], Number.NEGATIVE_INFINITY), scores);
      const top = tf.topk(masked, kEff);
      return [top.values, top.indices, tf.sum(tf.cast(tf.isNaN(scores), 'int32'))];
    });
    scores.dispose();
    const [v, ix, n] = (await Promise.all([values.data(), indices.data(), nan.data()])) as [Float32Array, Int32Array, Int32Array];
    tf.dispose([values, indices, nan]);
    if ((n[0] as number) > 0) throw new Error('recommendAll: the scorer returned NaN');
    for (let r = 0; r < us.length; r++) {
      let len = 0;
      while (len < kEff && (v[r * kEff + len] as number) > Number.NEGATIVE_INFINITY) len++;
      out.push({ items: ix.slice(r * kEff, r * kEff + len), scores: v.slice(r * kEff, r * kEff + len) });
    }
  }
  return out;
}
