import type { SparseDataset } from '@fm/data';
import { kernelForward, kernelLoss } from './kernel.js';
import { checkDatasetFits, makeKernelCtx } from './kernel-ctx.js';
import type { FusedParams, FusedState } from './types.js';

function predictCtx(params: FusedParams, dataset: SparseDataset) {
  checkDatasetFits(params, dataset);
  const state: FusedState = {
    optimizer: 'sgd',
    step: new Float64Array(1),
    aBias: new Float32Array(0),
    aLinear: new Float32Array(0),
    aFactors: new Float32Array(0),
    bBias: new Float32Array(0),
    bLinear: new Float32Array(0),
    bFactors: new Float32Array(0),
  };
  const c = makeKernelCtx(params, state, dataset, {
    task: 'regression', epochs: 0, batchSize: 1, optimizer: 'sgd', learningRate: 1, l2: { bias: 0, linear: 0, factors: 0 }, seed: 0,
  }, false);
  c.sum = new Float64Array(Math.max(1, c.k));
  return c;
}

/**
 * Raw model scores ŷ for every row of `dataset` (a logit for binary models: apply σ for a probability).
 * @returns `[rows]` scores.
 */
export function fusedPredict(params: FusedParams, dataset: SparseDataset): Float32Array {
  const c = predictCtx(params, dataset);
  const out = new Float32Array(dataset.numRows);
  const offsets = dataset.offsets;
  for (let r = 0; r < dataset.numRows; r++) out[r] = kernelForward(c, offsets[r] as number, offsets[r + 1] as number);
  return out;
}

/**
 * Mean loss of `params` on `dataset`: squared error for `regression` (√ of it is the RMSE) or log
 * loss for `binary`, the same losses training reports.
 */
export function fusedEvaluate(params: FusedParams, dataset: SparseDataset, task: 'regression' | 'binary'): number {
  const c = predictCtx(params, dataset);
  const lg = new Float64Array(2);
  const binary = task === 'binary' ? 1 : 0;
  const offsets = dataset.offsets;
  let sum = 0;
  for (let r = 0; r < dataset.numRows; r++) {
    kernelLoss(binary, kernelForward(c, offsets[r] as number, offsets[r + 1] as number), dataset.labels[r] as number, lg);
    sum += lg[0] as number;
  }
  return dataset.numRows > 0 ? sum / dataset.numRows : NaN;
}

