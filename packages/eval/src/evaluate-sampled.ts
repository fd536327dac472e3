import * as tf from '@tensorflow/tfjs';
import { checkInteractions, type EvaluationResult, type Interactions } from './interactions.js';
import { MetricAccumulator } from './metric-accumulator.js';
import type { RankingMetricName } from './ranking-metrics.js';
import type { RankingScorer } from './ranking-scorer.js';

/** Options of {@link evaluateSampled}. */
export interface SampledEvaluationOptions {
  /** Cut-offs, default `[10]`. */
  ks?: readonly number[];
  /** Metrics, default all (`hr`, `ndcg`, `map`, `precision`, `recall`, `mrr`). */
  metrics?: readonly RankingMetricName[];
  /** Most test cases scored per backend call, default 1024. */
  batchSize?: number;
  /**
   * Without `scorer.scorePairs`, a batch is cut early so that its users × union-of-candidates score
   * matrix stays within this many entries; default 4,194,304 (16 MiB of float32).
   */
  maxMatrixSize?: number;
}

/**
 * The sampled ranking protocol of He et al. (2017), "Neural Collaborative Filtering": every test
 * pair (u, i) is ranked among `[i, …candidates.get(u)]` — the positive and the user's fixed list of
 * N sampled negatives (N = 99 in the paper) — and the metrics are averaged over test pairs (a user
 * with several test items contributes one case per item, each against the same negatives).
 *
 * With one relevant item at 1-based rank r: HR@k = recall@k = [r ≤ k], NDCG@k = 1/log2(r + 1),
 * AP@k = 1/r, precision@k = 1/k (each 0 when r > k), and MRR = 1/r over all N + 1 candidates.
 * Ties are pessimistic: r = 1 + #{negatives scoring ≥ the positive}, so a constant model gets
 * r = N + 1, never credit. Scores come from `scorer.scorePairs` when it exists, else from
 * `scorer.scoreMatrix` over the batch's users × union of their candidates (then `tf.gatherND`);
 * ranks are counted on the backend, and only two numbers per case come back.
 *
 * @param scorer the model to evaluate.
 * @param test `[n]` held-out positive pairs.
 * @param candidates per user, the sampled negative items (e.g. from `NegativeSampler.sampleForEvaluation`
 *   in `@fm/data`, or {@link parseNcfNegatives}). Lists may differ in length; they must not contain the
 *   positive item or repeat an item.
 * @throws when a test user has no candidate list, a candidate list contains the test item or a
 *   repeated item, an id is out of range, or the scorer returns NaN/±Infinity for a candidate.
 */
export async function evaluateSampled(
  scorer: RankingScorer,
  test: Interactions,
  candidates: ReadonlyMap<number, Int32Array>,
  opts: SampledEvaluationOptions = {},
): Promise<EvaluationResult> {
  const fn = 'evaluateSampled';
  checkInteractions(fn, 'test', test, scorer.numItems);
  const acc = new MetricAccumulator(fn, opts.ks ?? [10], opts.metrics);
  const batchSize = opts.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${fn}: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const maxMatrixSize = opts.maxMatrixSize ?? 4_194_304;
  if (!(maxMatrixSize >= 1)) throw new Error(`${fn}: maxMatrixSize must be ≥ 1, got ${maxMatrixSize}`);

  const checked = new Map<number, ReadonlySet<number>>();
  const candidateSet = (u: number): ReadonlySet<number> => {
    let s = checked.get(u);
    if (s) return s;
    const c = candidates.get(u);
    if (!c) throw new Error(`${fn}: no candidate negatives for test user ${u}`);
    const set = new Set<number>();
    for (let j = 0; j < c.length; j++) {
      const it = c[j] as number;
      if (!Number.isInteger(it) || it < 0 || it >= scorer.numItems) {
        throw new Error(`${fn}: candidates of user ${u}: entry ${j} is ${it}, expected an item id in [0, ${scorer.numItems})`);
      }
      if (set.has(it)) throw new Error(`${fn}: candidates of user ${u} list item ${it} twice`);
      set.add(it);
    }
    checked.set(u, (s = set));
    return s;
  };

  const n = test.user.length;
  for (let start = 0; start < n; ) {
    const b = scorer.scorePairs ? Math.min(batchSize, n - start) : matrixBatch(test, candidates, start, batchSize, maxMatrixSize);
    let width = 1;
    for (let r = 0; r < b; r++) {
      const u = test.user[start + r] as number;
      const i = test.item[start + r] as number;
      if (candidateSet(u).has(i)) throw new Error(`${fn}: the candidate negatives of user ${u} contain its test item ${i} (test pair ${start + r})`);
      width = Math.max(width, 1 + (candidates.get(u) as Int32Array).length);
    }
    // Row r: [positive, negatives…, padding]; valid marks real negatives (column 0 is the positive).
    const users = new Int32Array(b * width);
    const items = new Int32Array(b * width);
    const valid = new Float32Array(b * width);
    for (let r = 0; r < b; r++) {
      const u = test.user[start + r] as number;
      const pos = test.item[start + r] as number;
      const negs = candidates.get(u) as Int32Array;
      const o = r * width;
      users.fill(u, o, o + width);
      items.fill(pos, o, o + width);
      items.set(negs, o + 1);
      valid.fill(1, o + 1, o + 1 + negs.length);
    }
    const scores = scoreCandidates(scorer, users, items, b, width);
    const stats = tf.tidy(() => {
      // d = score − positive score, compared with a scalar 0 (on wasm much faster than comparing
      // two tensors); for finite float32 scores d ≥ 0 ⇔ score ≥ positive. Non-finite scores are errors.
      const d = tf.sub(scores, scores.slice([0, 0], [b, 1]));
      const ahead = tf.sum(tf.mul(tf.cast(tf.greaterEqual(d, 0), 'float32'), tf.tensor2d(valid, [b, width])), 1);
      const nonFinite = tf.sub(width, tf.sum(tf.cast(tf.isFinite(scores), 'float32'), 1));
      return tf.stack([ahead, nonFinite], 1);
    });
    scores.dispose();
    const s = (await stats.data()) as Float32Array;
    stats.dispose();
    for (let r = 0; r < b; r++) {
      if ((s[2 * r + 1] as number) > 0) {
        throw new Error(`${fn}: the scorer returned a non-finite score (NaN or ±Infinity) for user ${test.user[start + r]} (test pair ${start + r})`);
      }
      acc.addRank(1 + (s[2 * r] as number));
    }
    start += b;
  }
  return { metrics: acc.means(), count: acc.count };
}

/**
 * Number of cases from `start` whose users × union-of-items matrix stays within `maxSize` entries
 * (at least 1, at most `batchSize`).
 */
function matrixBatch(test: Interactions, candidates: ReadonlyMap<number, Int32Array>, start: number, batchSize: number, maxSize: number): number {
  const users = new Set<number>();
  const items = new Set<number>();
  let b = 0;
  while (b < batchSize && start + b < test.user.length) {
    const u = test.user[start + b] as number;
    const newUsers = users.size + (users.has(u) ? 0 : 1);
    let newItems = items.size + (items.has(test.item[start + b] as number) ? 0 : 1);
    const negs = candidates.get(u) ?? new Int32Array(0);
    for (const i of negs) if (!items.has(i)) newItems++;
    if (b > 0 && newUsers * newItems > maxSize) break;
    users.add(u);
    items.add(test.item[start + b] as number);
    for (const i of negs) items.add(i);
    b++;
  }
  return b;
}

/** `[b, width]` scores of the flattened (users, items) pairs. */
function scoreCandidates(scorer: RankingScorer, users: Int32Array, items: Int32Array, b: number, width: number): tf.Tensor2D {
  if (scorer.scorePairs) {
    const flat = scorer.scorePairs(users, items);
    if (flat.size !== users.length) {
      flat.dispose();
      throw new Error(`evaluateSampled: scorePairs returned ${flat.size} scores for ${users.length} pairs`);
    }
    const m = flat.reshape([b, width]) as tf.Tensor2D;
    flat.dispose();
    return m;
  }
  const rowOf = new Map<number, number>();
  const colOf = new Map<number, number>();
  const indices = new Int32Array(2 * users.length);
  for (let j = 0; j < users.length; j++) {
    const u = users[j] as number;
    const i = items[j] as number;
    let r = rowOf.get(u);
    if (r === undefined) rowOf.set(u, (r = rowOf.size));
    let c = colOf.get(i);
    if (c === undefined) colOf.set(i, (c = colOf.size));
    indices[2 * j] = r;
    indices[2 * j + 1] = c;
  }
  const m = scorer.scoreMatrix(Int32Array.from(rowOf.keys()), Int32Array.from(colOf.keys()));
  try {
    if (m.shape[0] !== rowOf.size || m.shape[1] !== colOf.size) {
      throw new Error(`evaluateSampled: scoreMatrix returned shape [${m.shape}], expected [${rowOf.size}, ${colOf.size}]`);
    }
    return tf.tidy(() => tf.gatherND(m, tf.tensor2d(indices, [users.length, 2], 'int32')).reshape([b, width]) as tf.Tensor2D);
  } finally {
    m.dispose();
  }
}
