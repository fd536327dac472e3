import type { SparseDataset } from '@fm/data';
import { OPTIMIZER_DEFAULTS } from '../../../defaults.js';
import { localRunner } from '../runner.js';
import { createNativeState } from '../state.js';
import type { NativeL2, NativeOptimizer, NativeOptimizerConfig, NativeParams, NativeState, NativeTask, PassNegatives } from '../types.js';

/** Test settings: everything explicit. */
export interface RunSettings {
  task: NativeTask;
  optimizer: NativeOptimizer;
  lr: number;
  l2: NativeL2;
  batchSize: number;
  negatives?: PassNegatives;
  config?: Partial<NativeOptimizerConfig>;
}

export function optimizerConfig(s: RunSettings): NativeOptimizerConfig {
  return { ...OPTIMIZER_DEFAULTS, ...s.config, learningRate: s.lr };
}

export function newState(p: NativeParams, s: RunSettings): NativeState {
  return createNativeState(p, s.optimizer, optimizerConfig(s));
}

/** Trains the positions of `order` once on the calling thread; returns [Σ loss, terms, positives, batches]. */
export async function runOrder(p: NativeParams, state: NativeState, d: SparseDataset, order: number[], s: RunSettings): Promise<Float64Array> {
  const settings = { task: s.task, optimizer: optimizerConfig(s), l2: s.l2, batchSize: s.batchSize, negatives: s.negatives?.perRow ?? 0 };
  const runner = localRunner(p, state, settings);
  const out = await runner.run(d, Int32Array.from(order), 0, order.length, s.negatives, state.step[0] as number);
  state.step[0] = (state.step[0] as number) + (out[3] as number);
  return out;
}
