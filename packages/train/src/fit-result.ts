import * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from './checkpoint.js';
import type { EngineName } from './engine.js';
import type { EarlyStoppingMetric, FitResult, StopReason } from './fit-options.js';

const HIGHER_IS_BETTER: Record<EarlyStoppingMetric, boolean> = { loss: false, rmse: false, logloss: false, auc: true };

/** True when `value` beats `best` on `metric` by more than `minDelta` (or there is no best yet). */
export function isImprovement(metric: EarlyStoppingMetric, value: number, best: number | null, minDelta: number): boolean {
  return best === null || (HIGHER_IS_BETTER[metric] ? value > best + minDelta : value < best - minDelta);
}

/** Assembles a {@link FitResult} from a run's history; both engines return through here. */
export function fitResult(run: {
  history: EpochRecord[];
  lastEpoch: number;
  bestEpoch: number;
  earlyStopping: FitResult['earlyStopping'];
  examplesPerSecond: number;
  t0: number;
  engine: EngineName;
  engineReason: string;
  threads: number;
  optimization: FitResult['optimization'];
  stopReason: StopReason;
  labelMean: number;
  labelRange: [number, number];
}): FitResult {
  const last = run.history[run.history.length - 1];
  const bestRecord = run.history.find((h) => h.epoch === run.bestEpoch) ?? last;
  return {
    epochs: run.lastEpoch,
    history: run.history,
    bestEpoch: run.earlyStopping ? run.bestEpoch : run.lastEpoch,
    earlyStopping: run.earlyStopping,
    finalLoss: last?.loss ?? NaN,
    valMetrics: bestRecord?.valMetrics,
    examplesPerSecond: run.examplesPerSecond,
    wallSeconds: (performance.now() - run.t0) / 1000,
    backend: tf.getBackend(),
    engine: run.engine,
    engineReason: run.engineReason,
    threads: run.threads,
    optimization: run.optimization,
    stopReason: run.stopReason,
    labelMean: run.labelMean,
    labelRange: run.labelRange,
  };
}
