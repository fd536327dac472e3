import * as tfjs from '@tensorflow/tfjs';
import type * as tf from '@tensorflow/tfjs';
import { NegativeSampler, resolveUserItemFields } from '@fm/data';
import { auc, evaluateSampled, logLossFromLogits, mae, rmse, type RankingScorer } from '@fm/eval';
import { rankingScorer } from '@fm/train';
import type { Catalog, PreparedData } from './prepare.js';

/** Test-set metrics of a run; absent entries do not apply to the data (e.g. no users/items in libFM files). */
export interface SessionMetrics {
  task: 'regression' | 'binary';
  trainRows: number;
  testRows: number;
  rmse?: number;
  mae?: number;
  auc?: number;
  logLoss?: number;
  /** Sampled ranking protocol (He et al. 2017): each relevant test pair against `negatives` unseen items. */
  hr10?: number;
  ndcg10?: number;
  map10?: number;
  /** Number of sampled negatives per test case (99 when the catalogue allows it). */
  negatives?: number;
  /** Number of relevant test pairs ranked. */
  rankedCases?: number;
  /** Why ranking metrics are missing, when they are. */
  rankingNote?: string;
}

/**
 * A scorer over the catalog's dense users × items through `@fm/train`'s `rankingScorer` (the native
 * kernels for FM-family models on CPU backends, tfjs otherwise): dense ids map to the fields' local ids.
 */
export function catalogScorer(model: tf.LayersModel, prepared: PreparedData, catalog: Catalog): RankingScorer {
  const schema = prepared.dataset.schema;
  const fields = resolveUserItemFields(schema, { userField: catalog.userField, itemField: catalog.itemField });
  const inner = rankingScorer(model, { fields });
  const localUser = (u: number) => (catalog.userIds[u] as number) - fields.userOffset;
  const localItems = Int32Array.from(catalog.itemIds, (g) => g - fields.itemOffset);
  const items = (xs: Int32Array | undefined) => (xs ? Int32Array.from(xs, (i) => localItems[i] as number) : localItems);
  return {
    numItems: catalog.numItems,
    scoreMatrix: (users, xs) => inner.scoreMatrix(Int32Array.from(users, localUser), items(xs)),
    scorePairs: (users, xs) => {
      const u = Int32Array.from(users, localUser);
      const i = items(xs);
      if (inner.scorePairs) return inner.scorePairs(u, i);
      const m = inner.scoreMatrix(u, i);
      const d = tfDiag(m);
      m.dispose();
      return d;
    },
  };
}

/** The diagonal of a square score matrix. */
function tfDiag(m: tf.Tensor2D): tf.Tensor1D {
  return tfjs.tidy(() => tfjs.sum(tfjs.mul(m, tfjs.eye(m.shape[0] as number)), 1) as tf.Tensor1D);
}

/** `scores` clipped to [min, max] of `labels` (the training ratings). */
export function clipToLabels(scores: Float32Array, labels: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of labels) {
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  return scores.map((s) => Math.min(hi, Math.max(lo, s)));
}

/**
 * Pointwise metrics on the test rows (RMSE/MAE for ratings, predictions clipped to the training ratings' range;
 * AUC/log loss from logits for 0/1 labels)
 * and, when the data has users and items, HR@10 / NDCG@10 / MAP@10 under the sampled protocol: every
 * test row whose label is at least `prepared.relevanceThreshold` is ranked against N = min(99, fewest
 * unseen items of any evaluated user) items the user never rated (in train or test), drawn with a
 * seeded `NegativeSampler`.
 */
export async function computeMetrics(model: tf.LayersModel, prepared: PreparedData, scores: Float32Array, opts: { seed: number }): Promise<SessionMetrics> {
  const labels = prepared.test.labels;
  const out: SessionMetrics = { task: prepared.task, trainRows: prepared.train.numRows, testRows: prepared.test.numRows };
  if (prepared.task === 'regression') {
    // predicted ratings clipped to the training ratings' range, as fm eval and libFM score them
    const clipped = clipToLabels(scores, prepared.train.labels);
    out.rmse = rmse(clipped, labels);
    out.mae = mae(clipped, labels);
  } else {
    const y01 = Float32Array.from(labels, (y) => (y > 0 ? 1 : 0));
    let pos = 0;
    for (const y of y01) pos += y;
    if (pos > 0 && pos < y01.length) out.auc = auc(scores, y01);
    out.logLoss = logLossFromLogits(scores, y01);
  }
  const c = prepared.catalog;
  // scored rows are [user, item, …]: models that read slots by position (DeepFM's MLP) need the data's order
  if (!c || c.userField > c.itemField) {
    out.rankingNote = c ? 'user field after item field' : 'no user/item fields in this data';
    return out;
  }
  const users: number[] = [];
  const items: number[] = [];
  prepared.testRows.forEach((row, j) => {
    const u = c.rowUser[row] as number;
    const it = c.rowItem[row] as number;
    if (u >= 0 && it >= 0 && (labels[j] as number) >= prepared.relevanceThreshold) {
      users.push(u);
      items.push(it);
    }
  });
  if (users.length === 0) {
    out.rankingNote = 'no relevant test rows';
    return out;
  }
  const testUsers = Int32Array.from(new Set(users)).sort();
  let minUnseen = Infinity;
  for (const u of testUsers) minUnseen = Math.min(minUnseen, c.numItems - (c.seen[u]?.length ?? 0));
  const n = Math.min(99, minUnseen);
  if (!(n >= 1)) {
    out.rankingNote = 'a test user has rated every item: no negatives to rank against';
    return out;
  }
  const posUser = new Int32Array(c.rowUser.length);
  const posItem = new Int32Array(c.rowItem.length);
  let m = 0;
  for (let r = 0; r < c.rowUser.length; r++) {
    if ((c.rowUser[r] as number) < 0 || (c.rowItem[r] as number) < 0) continue;
    posUser[m] = c.rowUser[r] as number;
    posItem[m++] = c.rowItem[r] as number;
  }
  const sampler = new NegativeSampler(
    { user: posUser.subarray(0, m), item: posItem.subarray(0, m) },
    Int32Array.from({ length: c.numItems }, (_, i) => i),
  );
  const candidates = sampler.sampleForEvaluation(testUsers, n, opts.seed);
  const scorer = catalogScorer(model, prepared, c);
  const res = await evaluateSampled(scorer, { user: Int32Array.from(users), item: Int32Array.from(items) }, candidates, {
    ks: [10],
    metrics: ['hr', 'ndcg', 'map'],
  });
  out.hr10 = res.metrics['hr@10'];
  out.ndcg10 = res.metrics['ndcg@10'];
  out.map10 = res.metrics['map@10'];
  out.negatives = n;
  out.rankedCases = res.count;
  return out;
}
