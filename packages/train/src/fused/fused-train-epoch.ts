import type { SparseDataset } from '@fm/data';
import { kernelTrainRange, type KernelCtx } from './kernel.js';
import { checkDatasetFits, checkFusedOptions, makeKernelCtx } from './kernel-ctx.js';
import type { FusedEpochResult, FusedOptions, FusedParams, FusedState } from './types.js';

/** Checks that every entry of `order` indexes a row of a dataset with `rows` rows. */
export function checkOrder(order: Int32Array, rows: number): void {
  for (let i = 0; i < order.length; i++) {
    const r = order[i] as number;
    if (r < 0 || r >= rows) throw new Error(`fused: order[${i}] = ${r}, outside the dataset's rows [0, ${rows})`);
  }
}

/** Runs the kernel over `order` with a prepared context and advances `state.step`. */
export function trainEpochWithCtx(c: KernelCtx, state: FusedState, order: Int32Array, batchSize: number): FusedEpochResult {
  const out = new Float64Array(3);
  kernelTrainRange(c, order, 0, order.length, batchSize, state.step[0] as number, out);
  state.step[0] = (state.step[0] as number) + (out[2] as number);
  const examples = out[1] as number;
  return { loss: examples > 0 ? (out[0] as number) / examples : NaN, examples };
}

/**
 * One pass of fused forward + backward + lazy row-wise optimizer updates over the rows of `dataset`
 * in the given `order`, in mini-batches of `opts.batchSize`, on the calling thread. Updates
 * `params` and `state` in place.
 *
 * @param order `[m]` row indices into `dataset` (e.g. a seeded permutation), each in [0, rows).
 * @returns the mean training loss (squared error or log loss, each example scored before its
 *   batch's update) and the number of examples.
 */
export function fusedTrainEpoch(
  params: FusedParams,
  state: FusedState,
  dataset: SparseDataset,
  order: Int32Array,
  opts: FusedOptions,
): FusedEpochResult {
  checkFusedOptions(opts);
  checkDatasetFits(params, dataset);
  checkOrder(order, dataset.numRows);
  return trainEpochWithCtx(makeKernelCtx(params, state, dataset, opts), state, order, opts.batchSize);
}
