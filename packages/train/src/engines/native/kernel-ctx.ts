import type { SparseDataset } from '@fm/data';
import { checkNativeParams, factorRowLength } from './params.js';
import { allocScratch, type KernelCtx } from './kernel.js';
import { ffmWasmInstance, ffmWasmSource } from './ffm-wasm.js';
import type { NativeL2, NativeOptimizerConfig, NativeParams, NativeState, NativeTask } from './types.js';

const OPT_CODE = { sgd: 0, adagrad: 1, adam: 2, ftrl: 3 } as const;
const TASK_CODE = { regression: 0, binary: 1, ranking: 2 } as const;

/** The CSR arrays a kernel reads. */
export type KernelData = Pick<SparseDataset, 'labels' | 'offsets' | 'ids' | 'values' | 'maxRowLength'>;

/** What a training kernel needs besides parameters, state and data. */
export interface KernelSettings {
  task: NativeTask;
  optimizer: NativeOptimizerConfig;
  l2: NativeL2;
  /** Positives per mini-batch. */
  batchSize: number;
  /** Negatives per positive row (1 for ranking, ≥ 0 for binary). */
  negatives: number;
  /**
   * Train the linear weights (default true). `false` (FFM only) holds them: libffm's model, bias and pairs, when they
   * are 0, and FFM's WebAssembly step then never reads them (one cache miss fewer per entry for the weight and one
   * for its accumulator).
   */
  linear?: boolean;
}

/** Checks that `dataset` can be fed to `params` (same n and F; `mf` rows are one user + one item). */
export function checkDatasetFits(params: NativeParams, dataset: SparseDataset, what = 'dataset'): void {
  if (dataset.schema.numFeatures !== params.numFeatures) {
    throw new Error(`native: ${what} has ${dataset.schema.numFeatures} features, the model ${params.numFeatures}`);
  }
  if (dataset.schema.numFields !== params.numFields) {
    throw new Error(`native: ${what} has ${dataset.schema.numFields} fields, the model ${params.numFields}`);
  }
  if (params.kind === 'mf') {
    for (let r = 0; r < dataset.numRows; r++) {
      const a = dataset.offsets[r] as number;
      if ((dataset.offsets[r + 1] as number) - a !== 2 || dataset.fields[a] !== 0 || dataset.fields[a + 1] !== 1) {
        throw new Error(`native: ${what} row ${r} is not one user (field 0) followed by one item (field 1), as kind "mf" needs`);
      }
    }
  }
}

const startsCache = new WeakMap<Int32Array, Int32Array>();
/** `[F + 1]`: the first id of every field in a `fieldOfFeature` table (ids of a field are contiguous), then n. */
export function fieldStartsOf(fieldOfFeature: Int32Array, F: number): Int32Array {
  let starts = startsCache.get(fieldOfFeature);
  if (!starts) {
    starts = new Int32Array(F + 1).fill(fieldOfFeature.length);
    for (let i = fieldOfFeature.length - 1; i >= 0; i--) starts[fieldOfFeature[i] as number] = i;
    starts[F] = fieldOfFeature.length;
    startsCache.set(fieldOfFeature, starts);
  }
  return starts;
}

/**
 * Builds the kernel context for a training run: views of params, state and data plus fresh
 * per-thread scratch sized for the batch (`scratch: false` leaves it empty, for worker threads that
 * allocate their own), and FFM's WebAssembly step on thread slot 0 where it applies (ffm-wasm.ts).
 */
export function makeKernelCtx(
  params: NativeParams,
  state: NativeState | undefined,
  data: KernelData,
  s: KernelSettings,
  scratch = true,
): KernelCtx {
  checkNativeParams(params);
  const o = s.optimizer;
  const optimizer = state?.optimizer ?? 'sgd';
  const empty = new Float32Array(0);
  const wasmFfm = scratch && state ? ffmWasmSource(params, { state, settings: s }) : null;
  const c: KernelCtx = {
    kind: params.kind === 'lr' ? 0 : params.kind === 'ffm' ? 2 : 1,
    n: params.numFeatures,
    k: params.kind === 'lr' ? 0 : params.k,
    F: params.numFields,
    rowLen: factorRowLength(params),
    norm: params.kind === 'ffm' && params.normalize ? 1 : 0,
    lin: s.linear === false ? 0 : 1,
    bias: params.bias,
    linear: params.linear,
    factors: params.factors,
    fieldOfFeature: params.fieldOfFeature,
    fieldStarts: fieldStartsOf(params.fieldOfFeature, params.numFields),
    labels: data.labels,
    offsets: data.offsets,
    ids: data.ids,
    values: data.values,
    task: TASK_CODE[s.task],
    nNeg: s.negatives,
    itemSlot: new Int32Array(0),
    negItems: new Int32Array(0),
    opt: OPT_CODE[optimizer],
    lr: o.learningRate,
    l2b: s.l2.bias,
    l2w: s.l2.linear,
    l2v: s.l2.factors,
    eps: o.epsilon,
    beta1: o.beta1,
    beta2: o.beta2,
    ftrlBeta: o.ftrlBeta,
    ftrlL1: o.ftrlL1,
    ftrlL2: o.ftrlL2,
    aBias: state?.aBias ?? empty,
    aLinear: state?.aLinear ?? empty,
    aFactors: state?.aFactors ?? empty,
    bBias: state?.bBias ?? empty,
    bLinear: state?.bLinear ?? empty,
    bFactors: state?.bFactors ?? empty,
    slotOf: new Int32Array(0),
    touched: new Int32Array(0),
    gLin: new Float64Array(0),
    cLin: new Float64Array(0),
    gFac: empty,
    cBlk: new Float64Array(0),
    sum: new Float64Array(Math.max(1, params.k)),
    sum2: new Float64Array(Math.max(1, params.k)),
    rIds: new Int32Array(0),
    rVals: empty,
    rFld: new Int32Array(Math.max(1, data.maxRowLength)),
    rBase: new Int32Array(Math.max(1, data.maxRowLength)),
    ffm: wasmFfm ? ffmWasmInstance(wasmFfm.module, wasmFfm.memory, wasmFfm.layout, 0, wasmFfm.linear, wasmFfm.batched) : null,
    nt: 0,
    gBias: 0,
  };
  if (scratch) allocScratch(c, s.batchSize, data.maxRowLength);
  return c;
}
