import type { SparseDataset } from '@fm/data';
import type { EpochRecord } from './checkpoint.js';
import type { EarlyStoppingMetric, FitOptions, FitResult, StopReason } from './fit-options.js';
import { fitResult, isImprovement } from './fit-result.js';
import { fusedThreads, restoreFused, snapshotFused, writeBackFused, type FusedBinding } from './fused-binding.js';
import { fusedFit } from './fused/fused-fit.js';
import { fusedPredict } from './fused/fused-predict.js';
import type { FusedOptimizer } from './fused/types.js';
import { auc, logLossOfLogits, rmse } from './metrics.js';
import { resolveL2, type L2Option } from './regularization.js';

/**
 * Defaults of the fused engine: per-example SGD with libFM-style L2 on the rows an example touches
 * (Rendle 2012, "Factorization Machines with libFM"). Chosen on a validation slice of MovieLens-100K
 * `ua.base` (FM, k=64: validation RMSE 0.9006, chosen by validation RMSE over a small grid of L2 strengths); see the package README.
 */
export const FUSED_DEFAULTS = {
  optimizer: 'sgd' as FusedOptimizer,
  batchSize: 1,
  learningRates: { sgd: 0.005, adagrad: 0.02, adam: 0.001, ftrl: 0.05 } as Record<FusedOptimizer, number>,
  l2: { bias: 0, linear: 0.1, factors: 0.07 } as L2Option,
  /**
   * Early-stopping patience. Epochs are cheap here, and per-example SGD from a small init first fits
   * the linear terms and plateaus (noisy validation) before the factors take off, so 3 stops too soon.
   */
  patience: 10,
};

/** What `fit` has already worked out before handing over to the fused engine. */
export interface FusedRun {
  binding: FusedBinding;
  task: 'regression' | 'binary';
  train: SparseDataset;
  val: SparseDataset | undefined;
  epochs: number;
  seed: number;
  es: { metric: EarlyStoppingMetric; patience: number; minDelta: number } | undefined;
  labelMean: number;
  labelRange: [number, number];
  t0: number;
}

function valMetrics(task: 'regression' | 'binary', scores: Float32Array, labels: Float32Array): Record<string, number> {
  if (task === 'regression') {
    const r = rmse(scores, labels);
    return { loss: r * r, rmse: r };
  }
  const ll = logLossOfLogits(scores, labels);
  return { loss: ll, logloss: ll, auc: auc(scores, labels) };
}

/** The fused-engine branch of `fit`: trains the bound arrays, then writes the weights back into the model. */
export async function fitFused(run: FusedRun, options: FitOptions): Promise<FitResult> {
  const { binding, task, train, val, es } = run;
  const p = binding.params;
  const optimizer = (options.optimizer ?? FUSED_DEFAULTS.optimizer) as FusedOptimizer;
  const batchSize = options.batchSize ?? FUSED_DEFAULTS.batchSize;
  const learningRate = options.learningRate ?? options.optimizerConfig?.learningRate ?? FUSED_DEFAULTS.learningRates[optimizer];
  const l2 = resolveL2(options.l2 ?? FUSED_DEFAULTS.l2);
  const { threads, runner } = fusedThreads(p, train, options.threads ?? 'auto');
  const history: EpochRecord[] = [];
  let best: Float32Array[] | undefined;
  let bestValue: number | null = null;
  let bestEpoch = 0;
  let wait = 0;
  let stopReason: StopReason = 'epochs';
  const cfg = options.optimizerConfig;
  const res = await fusedFit(p, train, {
    task,
    epochs: run.epochs,
    batchSize,
    optimizer,
    learningRate,
    l2: { bias: l2.bias, linear: l2.linear, factors: l2.factors },
    seed: run.seed,
    threads,
    ...(runner ? { runner } : {}),
    optimizerConfig: {
      ...(cfg?.epsilon !== undefined ? { epsilon: cfg.epsilon } : {}),
      ...(cfg?.beta1 !== undefined ? { beta1: cfg.beta1 } : {}),
      ...(cfg?.beta2 !== undefined ? { beta2: cfg.beta2 } : {}),
    },
    onEpochEnd: async (info) => {
      const epoch = info.epoch + 1;
      const seconds = info.millis / 1000;
      const record: EpochRecord = { epoch, loss: info.loss, examplesPerSecond: info.examples / Math.max(seconds, 1e-9), seconds };
      if (val) {
        const m = valMetrics(task, fusedPredict(p, val), val.labels);
        record.valLoss = m['loss'] as number;
        record.valMetrics = m;
      }
      history.push(record);
      if (es && record.valMetrics) {
        const v = record.valMetrics[es.metric] as number;
        if (isImprovement(es.metric, v, bestValue, es.minDelta)) {
          bestValue = v;
          bestEpoch = epoch;
          wait = 0;
          best = snapshotFused(p);
        } else if (++wait >= es.patience) stopReason = 'early-stopping';
      } else bestEpoch = epoch;
      if (options.callbacks) writeBackFused(binding); // callbacks see the current weights
      const batches = Math.ceil(info.examples / batchSize);
      if ((await options.callbacks?.onBatchEnd?.({ epoch, batch: batches, batches, loss: info.loss, examplesPerSecond: record.examplesPerSecond })) === 'stop') {
        if (stopReason === 'epochs') stopReason = 'callback';
      }
      if ((await options.callbacks?.onEpochEnd?.(record)) === 'stop' && stopReason === 'epochs') stopReason = 'callback';
      if (options.signal?.aborted && stopReason === 'epochs') stopReason = 'aborted';
      return stopReason === 'epochs' ? undefined : 'stop';
    },
  });
  const lastEpoch = history.length;
  if (es && best && bestEpoch !== lastEpoch) restoreFused(p, best);
  writeBackFused(binding);
  return fitResult({
    history,
    lastEpoch,
    bestEpoch,
    earlyStopping: es !== undefined,
    examplesPerSecond: res.examplesPerSecond,
    t0: run.t0,
    engine: 'fused',
    threads: res.threads,
    stopReason,
    labelMean: run.labelMean,
    labelRange: run.labelRange,
  });
}
