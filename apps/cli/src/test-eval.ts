import type * as tf from '@tensorflow/tfjs';
import type { SparseDataset } from '@fm/data';
import type { RankingScorer } from '@fm/eval';
import type { NativeModel } from '@fm/train';
import { UsageError } from './errors.js';
import type { LoadedInput } from './inputs.js';
import type { UserItemPairs } from './model-store.js';
import { pointwiseMetrics, predictScores, type Task } from './modeling.js';
import { pairScorer, rankingEvaluation, userItemLayout, userItemPairs, type UserItemLayout } from './ranking.js';
import { sideLayout } from './side-recommend.js';

function labelSet(ds: SparseDataset): { lo: number; hi: number; binary: boolean; signed: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  let binary = true;
  let signed = true;
  for (const y of ds.labels) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
    if (y !== 0 && y !== 1) binary = false;
    if (y !== -1 && y !== 1) signed = false;
  }
  return { lo, hi, binary, signed };
}

/**
 * Checks, before training, that the data fits the task: binary needs 0/1 labels (libsvm's −1/+1 are
 * turned into 0/1, and a note says so), ranking needs (user, item) rows (with user-side features when `withSide`);
 * the test file is held to the same. Throws a usage error naming the file and what would work instead; returns the notes.
 */
export function checkTaskData(task: Task, train: SparseDataset, source: string, test?: LoadedInput, withSide = false): string[] {
  const notes: string[] = [];
  const sets: [SparseDataset, string][] = [[train, source]];
  if (test) sets.push([test.dataset, test.path]);
  if (task === 'binary') {
    for (const [ds, where] of sets) {
      const l = labelSet(ds);
      if (l.signed && !l.binary) {
        for (let i = 0; i < ds.labels.length; i++) if (ds.labels[i] === -1) ds.labels[i] = 0;
        notes.push(`${where}: labels −1/+1 read as 0/1 for --task binary`);
        continue;
      }
      if (!l.binary) {
        throw new UsageError(
          `fm train: --task binary needs 0/1 (or −1/+1) labels; ${where} has labels in [${l.lo}, ${l.hi}]: use --task regression for ratings, or --task ranking to rank the rated items`,
          'train',
        );
      }
    }
  }
  if (task === 'ranking') {
    try {
      // side features (user-side only: checkSideWithNegatives) ride along with the (user, item) pair
      if (withSide) sideLayout(train.schema, source);
      else userItemLayout(train.schema, source);
    } catch (e) {
      throw new UsageError(`fm train: --task ranking needs (user, item) rows: ${(e as Error).message}`, 'train');
    }
  }
  return notes;
}

/** The fewest catalogue items (1..numItems) any test user has not interacted with in train or test. */
function fewestUnseen(catalogue: number, train: UserItemPairs, test: UserItemPairs): number {
  const seen = new Map<number, Set<number>>();
  for (const p of [train, test]) {
    for (let r = 0; r < p.user.length; r++) {
      if ((p.item[r] as number) === 0) continue;
      const u = p.user[r] as number;
      let s = seen.get(u);
      if (!s) seen.set(u, (s = new Set()));
      s.add(p.item[r] as number);
    }
  }
  let fewest = catalogue;
  for (const u of new Set(test.user)) fewest = Math.min(fewest, catalogue - (seen.get(u)?.size ?? 0));
  return fewest;
}

/**
 * Test metrics of a freshly trained model: RMSE/MAE (regression, clipped to the training label
 * range), AUC/log loss (binary), or HR@10/NDCG@10 against 99 sampled items the user never
 * interacted with (ranking; training pairs excluded; fewer when some user has fewer unseen items),
 * scored by `o.scorer` (default: the two-field pair scorer).
 */
export async function evaluateTest(
  model: tf.LayersModel | NativeModel,
  task: Task,
  test: SparseDataset,
  o: { range: [number, number]; layout: UserItemLayout | undefined; scorer?: RankingScorer; trainPairs: UserItemPairs | undefined; seed: number },
): Promise<Record<string, number>> {
  if (task === 'ranking' && o.layout) {
    const pairs = userItemPairs(test, o.layout);
    const train = o.trainPairs ?? { user: new Int32Array(0), item: new Int32Array(0) };
    const negatives = Math.min(99, fewestUnseen(o.layout.numItems - 1, train, pairs));
    if (negatives < 1) return {};
    const r = await rankingEvaluation(o.scorer ?? pairScorer(model, o.layout), o.layout, pairs, train, {
      protocol: 'sampled',
      negatives,
      ks: [10],
      metrics: ['hr', 'ndcg'],
      seed: o.seed,
    });
    return r.metrics;
  }
  const scores = await predictScores(model, test);
  if (task === 'regression') return pointwiseMetrics(['rmse', 'mae'], task, scores, test.labels, o.range);
  const l = labelSet(test);
  return pointwiseMetrics(l.lo < l.hi ? ['auc', 'logloss'] : ['logloss'], task, scores, test.labels);
}
