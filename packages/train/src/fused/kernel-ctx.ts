import type { SparseDataset } from '@fm/data';
import { checkFusedParams, factorRowLength } from './create-fused-params.js';
import { FUSED_OPTIMIZER_DEFAULTS } from './defaults.js';
import { allocScratch, type KernelCtx } from './kernel.js';
import type { FusedOptions, FusedParams, FusedState } from './types.js';

const OPT_CODE = { sgd: 0, adagrad: 1, adam: 2, ftrl: 3 } as const;

/** Checks that `dataset` can be fed to `params` (same n and F; `mf` rows are one user + one item). */
export function checkDatasetFits(params: FusedParams, dataset: SparseDataset, what = 'dataset'): void {
  if (dataset.schema.numFeatures !== params.numFeatures) {
    throw new Error(`fused: ${what} has ${dataset.schema.numFeatures} features, the model ${params.numFeatures}`);
  }
  if (dataset.schema.numFields !== params.numFields) {
    throw new Error(`fused: ${what} has ${dataset.schema.numFields} fields, the model ${params.numFields}`);
  }
  if (params.kind === 'mf') {
    for (let r = 0; r < dataset.numRows; r++) {
      const a = dataset.offsets[r] as number;
      if ((dataset.offsets[r + 1] as number) - a !== 2 || dataset.fields[a] !== 0 || dataset.fields[a + 1] !== 1) {
        throw new Error(`fused: ${what} row ${r} is not one user (field 0) followed by one item (field 1), as kind "mf" needs`);
      }
    }
  }
}

/** Checks the options a training run uses; throws naming the bad one. */
export function checkFusedOptions(opts: FusedOptions): void {
  if (opts.task !== 'regression' && opts.task !== 'binary') {
    throw new Error(`fused: task "${String(opts.task)}", expected regression | binary`);
  }
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`fused: batchSize ${opts.batchSize}, expected an integer ≥ 1`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`fused: epochs ${opts.epochs}, expected an integer ≥ 0`);
  if (!(opts.learningRate > 0)) throw new Error(`fused: learningRate ${opts.learningRate}, expected > 0`);
  for (const key of ['bias', 'linear', 'factors'] as const) {
    if (!(opts.l2[key] >= 0)) throw new Error(`fused: l2.${key} = ${opts.l2[key]}, expected ≥ 0`);
  }
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`fused: threads ${opts.threads}, expected an integer ≥ 1`);
  }
}

/**
 * Builds the kernel context for one training run: views of params, state and dataset plus fresh
 * per-thread scratch sized for `opts.batchSize`.
 */
export function makeKernelCtx(
  params: FusedParams,
  state: FusedState,
  dataset: Pick<SparseDataset, 'labels' | 'offsets' | 'ids' | 'values' | 'maxRowLength'>,
  opts: FusedOptions,
  scratch = true,
): KernelCtx {
  checkFusedParams(params);
  if (state.optimizer !== opts.optimizer) {
    throw new Error(`fused: optimizer state is for "${state.optimizer}", options ask for "${opts.optimizer}"`);
  }
  const cfg = { ...FUSED_OPTIMIZER_DEFAULTS, ...opts.optimizerConfig };
  const empty = new Float32Array(0);
  const c: KernelCtx = {
    kind: params.kind === 'lr' ? 0 : params.kind === 'ffm' ? 2 : 1,
    n: params.numFeatures,
    k: params.kind === 'lr' ? 0 : params.k,
    F: params.numFields,
    rowLen: factorRowLength(params),
    bias: params.bias,
    linear: params.linear,
    factors: params.factors,
    fieldOfFeature: params.fieldOfFeature,
    labels: dataset.labels,
    offsets: dataset.offsets,
    ids: dataset.ids,
    values: dataset.values,
    binary: opts.task === 'binary' ? 1 : 0,
    opt: OPT_CODE[opts.optimizer],
    lr: opts.learningRate,
    l2b: opts.l2.bias,
    l2w: opts.l2.linear,
    l2v: opts.l2.factors,
    eps: cfg.epsilon,
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    ftrlBeta: cfg.ftrlBeta,
    l1: cfg.l1,
    aBias: state.aBias,
    aLinear: state.aLinear,
    aFactors: state.aFactors,
    bBias: state.bBias,
    bLinear: state.bLinear,
    bFactors: state.bFactors,
    slotOf: new Int32Array(0),
    touched: new Int32Array(0),
    gLin: new Float64Array(0),
    gFac: empty,
    sum: new Float64Array(0),
    nt: 0,
    gBias: 0,
  };
  if (scratch) allocScratch(c, opts.batchSize, dataset.maxRowLength);
  return c;
}
