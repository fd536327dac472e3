import * as tf from '@tensorflow/tfjs';
import { checkInteractions, itemsByUser, type EvaluationResult, type Interactions } from './interactions.js';
import { MetricAccumulator } from './metric-accumulator.js';
import type { RankingMetricName } from './ranking-metrics.js';
import type { RankingScorer } from './ranking-scorer.js';
import { userMask } from './user-mask.js';

/** Options of {@link evaluateFullRanking}. */
export interface FullRankingOptions {
  /** Cut-offs, default `[10]`. */
  ks?: readonly number[];
  /** Metrics, default all (`hr`, `ndcg`, `map`, `precision`, `recall`, `mrr`). */
  metrics?: readonly RankingMetricName[];
  /** Users scored per backend call; default ⌊4,194,304 / numItems⌋ clamped to [1, 1024]. */
  batchSize?: number;
  /**
   * When a test pair also appears in `trainSeen`: `false` (default) throws; `true` keeps the item
   * relevant and unmasked for that user (so it can be recommended and hit).
   */
  allowTrainTestOverlap?: boolean;
}

/**
 * The full-ranking protocol: each test user's relevant set is all of their test items, ranked
 * against every item in the catalogue except the user's training items, which are masked to
 * −Infinity on the backend and never appear in a list. The top max(ks) come from `tf.topk` on the
 * backend; nothing sorts the catalogue in JavaScript. Metrics are averaged over test users.
 *
 * Ties are pessimistic, as in {@link rankByScore}: among equal scores, non-relevant items rank
 * first. `tf.topk` breaks ties by item id, so the protocol also counts, on the backend, the items
 * tied with the k-th score and the items ahead of the best relevant item, which makes the result
 * exact whatever the tie pattern. MRR has no cut-off: it is 1 / (pessimistic rank of the best
 * relevant item among all unmasked items).
 *
 * @param scorer the model to evaluate.
 * @param test held-out pairs; every user appearing here is evaluated.
 * @param trainSeen the pairs to exclude (usually the training set; add validation pairs as needed).
 * @throws on ids out of range, train/test overlap (unless allowed), or NaN/±Infinity scores.
 */
export async function evaluateFullRanking(
  scorer: RankingScorer,
  test: Interactions,
  trainSeen: Interactions,
  opts: FullRankingOptions = {},
): Promise<EvaluationResult> {
  const fn = 'evaluateFullRanking';
  const numItems = scorer.numItems;
  checkInteractions(fn, 'test', test, numItems);
  checkInteractions(fn, 'trainSeen', trainSeen, numItems);
  const acc = new MetricAccumulator(fn, opts.ks ?? [10], opts.metrics);
  const kMax = Math.max(...acc.ks);
  const batchSize = opts.batchSize ?? Math.min(1024, Math.max(1, Math.floor(4_194_304 / numItems)));
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${fn}: batchSize must be an integer ≥ 1, got ${batchSize}`);

  const relevantOf = itemsByUser(test);
  const seenOf = itemsByUser(trainSeen, relevantOf);
  for (const [u, rel] of relevantOf) {
    const seen = seenOf.get(u);
    if (!seen) continue;
    for (const i of rel) {
      if (!seen.has(i)) continue;
      if (!opts.allowTrainTestOverlap) {
        throw new Error(`${fn}: user ${u} has item ${i} in both test and trainSeen; remove the overlap or pass allowTrainTestOverlap: true`);
      }
      seen.delete(i);
    }
  }
  const allUsers = Int32Array.from([...relevantOf.keys()].sort((a, b) => a - b));
  const kEff = Math.min(kMax, numItems);

  for (let start = 0; start < allUsers.length; start += batchSize) {
    const users = allUsers.subarray(start, Math.min(start + batchSize, allUsers.length));
    const b = users.length;
    const seenLists = Array.from(users, (u) => seenOf.get(u) ?? new Set<number>());
    const relLists = Array.from(users, (u) => relevantOf.get(u) as Set<number>);
    const scores = scorer.scoreMatrix(users);
    if (scores.shape[0] !== b || scores.shape[1] !== numItems) {
      scores.dispose();
      throw new Error(`${fn}: scoreMatrix returned shape [${scores.shape}], expected [${b}, ${numItems}]`);
    }
    const [values, indices, stats] = tf.tidy(() => {
      // Comparisons are written as a difference against a scalar 0: on wasm, comparing two
      // [B, I] / [B, 1] tensors is ~25× slower than a broadcast subtraction followed by a scalar
      // comparison. For finite float32 scores, a − b > 0 ⇔ a > b and a − b = 0 ⇔ a = b (IEEE
      // subnormals); masked items are −Infinity, so their differences are −Infinity or NaN and
      // never count. Every unmasked score is checked finite below.
      const seen = userMask(seenLists, numItems);
      const rel = userMask(relLists, numItems); // disjoint from `seen` by construction
      const nonRel = tf.sub(tf.sub(1, seen), rel);
      const negInf = tf.fill([b, numItems], Number.NEGATIVE_INFINITY);
      const masked = tf.where(tf.cast(seen, 'bool'), negInf, scores);
      const top = tf.topk(masked, kEff);
      const kth = top.values.slice([0, kEff - 1], [b, 1]);
      const count = (x: tf.Tensor): tf.Tensor1D => tf.sum(x, 1);
      const isGt = (d: tf.Tensor): tf.Tensor => tf.cast(tf.greater(d, 0), 'float32');
      const isEq = (d: tf.Tensor): tf.Tensor => tf.cast(tf.equal(d, 0), 'float32');
      const dk = tf.sub(masked, kth);
      const eqK = isEq(dk);
      const best = tf.max(tf.where(tf.cast(rel, 'bool'), scores, negInf), 1, true);
      const db = tf.sub(masked, best);
      const st = tf.stack(
        [
          count(isGt(dk)),
          count(tf.mul(eqK, nonRel)),
          count(tf.mul(eqK, rel)),
          tf.add(count(isGt(db)), count(tf.mul(isEq(db), nonRel))),
          tf.sub(numItems, count(tf.cast(tf.isFinite(scores), 'float32'))),
        ],
        1,
      );
      return [top.values, top.indices, st];
    });
    scores.dispose();
    const [vals, idx, st] = (await Promise.all([values.data(), indices.data(), stats.data()])) as [Float32Array, Int32Array, Float32Array];
    tf.dispose([values, indices, stats]);

    for (let r = 0; r < b; r++) {
      const u = users[r] as number;
      const [cGt, cEqNonRel, cEqRel, aheadOfBest, nonFinite] = Array.from(st.subarray(5 * r, 5 * r + 5));
      if ((nonFinite as number) > 0) throw new Error(`${fn}: the scorer returned ${nonFinite} non-finite scores (NaN or ±Infinity) for user ${u}`);
      const rel = relLists[r] as Set<number>;
      const seen = seenLists[r] as Set<number>;
      const kth = vals[r * kEff + kEff - 1] as number;
      // Items strictly above the k-th score are all in the top-k; order their ties pessimistically.
      const head: { item: number; score: number; rel: number }[] = [];
      for (let j = 0; j < kEff; j++) {
        const item = idx[r * kEff + j] as number;
        const score = vals[r * kEff + j] as number;
        if (score > kth && !seen.has(item)) head.push({ item, score, rel: rel.has(item) ? 1 : 0 });
      }
      if (head.length !== cGt) throw new Error(`${fn}: internal error: ${head.length} items above the k-th score for user ${u}, backend counted ${cGt}`);
      head.sort((a, c) => c.score - a.score || a.rel - c.rel || a.item - c.item);
      const hits = head.map((h) => h.rel);
      for (let j = 0; j < (cEqNonRel as number) && hits.length < kMax; j++) hits.push(0);
      for (let j = 0; j < (cEqRel as number) && hits.length < kMax; j++) hits.push(1);
      acc.addHits(hits.slice(0, kMax), rel.size, 1 / (1 + (aheadOfBest as number)));
    }
  }
  return { metrics: acc.means(), count: acc.count };
}
