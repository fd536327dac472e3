import { allocScratch, kernelTrainRange, type KernelCtx } from './kernel.js';
import { makeKernelCtx, type KernelData, type KernelSettings } from './kernel-ctx.js';
import type { NativeParams, NativeState, PassNegatives } from './types.js';

/** Runs kernel passes for one training run; the single-thread one here, Hogwild workers in `hogwild.ts`. */
export interface NativeRunner {
  /** Threads that train (1 = the calling thread only). */
  readonly threads: number;
  /**
   * Trains the positives at positions [start, end) of `order` (rows of `data`) in mini-batches,
   * starting from optimizer step `t0`.
   * @returns `[Σ loss, loss terms, positives, batches]`.
   */
  run(data: KernelData, order: Int32Array, start: number, end: number, negatives: PassNegatives | undefined, t0: number): Promise<Float64Array>;
  /** Releases threads. */
  close(): Promise<void>;
}

/** Creates a runner for a run; `@fm/train/node` registers the Hogwild one. */
export type NativeRunnerFactory = (params: NativeParams, state: NativeState, settings: KernelSettings, threads: number) => NativeRunner | Promise<NativeRunner>;

/** Points a kernel context at another data chunk and a pass's negatives (scratch grows with the rows). */
export function bindData(c: KernelCtx, data: KernelData, negatives: PassNegatives | undefined, batchSize: number): void {
  c.labels = data.labels;
  c.offsets = data.offsets;
  c.ids = data.ids;
  c.values = data.values;
  c.itemSlot = negatives?.itemSlot ?? new Int32Array(0);
  c.negItems = negatives?.items ?? new Int32Array(0);
  if (c.rIds.length < data.maxRowLength || c.slotOf.length === 0) allocScratch(c, batchSize, data.maxRowLength);
}

/** The single-thread runner: one kernel context, its scratch reused across passes. */
export function localRunner(params: NativeParams, state: NativeState, settings: KernelSettings): NativeRunner {
  let c: KernelCtx | undefined;
  const out = new Float64Array(4);
  return {
    threads: 1,
    run(data, order, start, end, negatives, t0) {
      c ??= makeKernelCtx(params, state, data, settings);
      bindData(c, data, negatives, settings.batchSize);
      kernelTrainRange(c, order, start, end, settings.batchSize, t0, out);
      return Promise.resolve(out.slice());
    },
    close: () => Promise.resolve(),
  };
}
