import type { SparseDataset } from '@fm/data';
import { kernelForward, kernelScoreFfmWasm } from './kernel.js';
import { ffmWasmScorer } from './ffm-wasm.js';
import { checkDatasetFits, makeKernelCtx } from './kernel-ctx.js';
import type { NativeParams } from './types.js';

const SCORE_SETTINGS = {
  task: 'regression',
  optimizer: { learningRate: 1, epsilon: 0, initialAccumulatorValue: 0, beta1: 0, beta2: 0, ftrlBeta: 0, ftrlL1: 0, ftrlL2: 0 },
  l2: { bias: 0, linear: 0, factors: 0 },
  batchSize: 1,
  negatives: 0,
} as const;

/**
 * Raw model scores ŷ for every row of `dataset` (a logit for binary models: apply σ for a
 * probability), O(k·nnz) per row for fm (O(k·nnz²) for ffm, in WebAssembly SIMD where its table lives in
 * WebAssembly memory: float32 pair sums), with no tfjs involved.
 * @returns `[rows]` scores.
 */
export function nativePredict(params: NativeParams, dataset: SparseDataset): Float32Array {
  checkDatasetFits(params, dataset);
  const c = makeKernelCtx(params, undefined, dataset, SCORE_SETTINGS, false);
  const out = new Float32Array(dataset.numRows);
  // FFM on a table in WebAssembly memory: the SIMD pair term, next row read ahead (ffm-wasm.ts)
  c.ffm = ffmWasmScorer(params);
  if (c.ffm !== null) {
    kernelScoreFfmWasm(c, out);
    return out;
  }
  const { offsets, ids, values } = dataset;
  for (let r = 0; r < dataset.numRows; r++) out[r] = kernelForward(c, ids, values, offsets[r] as number, offsets[r + 1] as number, c.sum);
  return out;
}
