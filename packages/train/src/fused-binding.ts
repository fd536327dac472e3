import * as tf from '@tensorflow/tfjs';
import type { SparseDataset } from '@fm/data';
import type { ModelInfo, TrainableParam } from './model-info.js';
import type { FusedKind, FusedParams, FusedRunnerFactory } from './fused/types.js';

/**
 * How `fit` trains: `'fused'` runs the pure-TypeScript fused engine on the model's weights (LR, FM,
 * FFM, MF on CPU backends: one pass computes the FM interaction forward and backward per example,
 * updates only the touched rows, and can use several cores); `'tfjs'` runs tfjs ops on the current
 * backend (every model, every backend, GPU included); `'auto'` (default) picks `'fused'` whenever it
 * applies and the backend is `cpu` or `wasm` (on a GPU or tfjs-node backend the tfjs path is used).
 */
export type Engine = 'auto' | 'fused' | 'tfjs';

/** The model's weights viewed as {@link FusedParams}, plus the variables to write them back to. */
export interface FusedBinding {
  params: FusedParams;
  bias: tf.LayerVariable;
  linear: tf.LayerVariable | undefined;
  factors: tf.LayerVariable | undefined;
}

const FUSED_KINDS: ReadonlySet<string> = new Set(['lr', 'fm', 'ffm', 'mf']);

/**
 * Reads a model's weights into fused-engine arrays, or returns why the fused engine cannot train it
 * (a model kind it does not implement, extra dense weights, MF's scaled sigmoid, …).
 */
export function bindFused(model: tf.LayersModel, info: ModelInfo): FusedBinding | string {
  if (!FUSED_KINDS.has(info.kind)) return `model kind "${info.kind}" has no fused kernel (lr, fm, ffm, mf do)`;
  for (const layer of model.layers) {
    const cfg = layer.getConfig() as { ratingRange?: unknown };
    if (cfg.ratingRange) return 'MF with a scaled sigmoid output (ratingRange) has no fused kernel';
  }
  const n = info.numFeatures;
  const F = info.fieldDims.length;
  const by = (group: TrainableParam['group']) => info.params.filter((p) => p.group === group);
  const biases = by('bias');
  const linears = by('linear');
  const factors = by('factors');
  if (by('dense').length > 0) return 'the model has dense layers';
  if (biases.length !== 1 || biases[0]?.shape.reduce((a, b) => a * b, 1) !== 1) return 'expected exactly one scalar global bias';
  if (linears.length > 1 || factors.length > 1) return 'expected at most one linear table and one factor table';
  const lin = linears[0];
  const fac = factors[0];
  if (lin && (lin.shape[0] !== n || lin.rowSize !== 1)) return `linear table has shape [${lin.shape}], expected [${n}, 1]`;
  const kind = info.kind as FusedKind;
  let k = 0;
  if (kind !== 'lr') {
    if (!fac || fac.shape[0] !== n) return 'expected a factor table [n, k]';
    k = kind === 'ffm' ? fac.rowSize / F : fac.rowSize;
    if (!Number.isInteger(k) || k < 1) return `factor table rows of ${fac.rowSize} do not split into ${F} fields`;
  }
  if (kind === 'mf' && F !== 2) return 'MF needs exactly two fields (user, item)';
  const fieldOfFeature = new Int32Array(n);
  let off = 0;
  info.fieldDims.forEach((d, f) => {
    fieldOfFeature.fill(f, off, off + d);
    off += d;
  });
  // Shared memory where available, so Hogwild workers update these very arrays (live for callbacks).
  const alloc = (len: number) =>
    typeof SharedArrayBuffer !== 'undefined' ? new Float32Array(new SharedArrayBuffer(len * 4)) : new Float32Array(len);
  const read = (p: TrainableParam | undefined) => {
    if (!p) return alloc(0);
    const src = p.weight.read().dataSync() as Float32Array;
    const out = alloc(src.length);
    out.set(src);
    return out;
  };
  const bias = biases[0] as TrainableParam;
  const params: FusedParams = {
    kind,
    numFeatures: n,
    k,
    numFields: F,
    fieldOfFeature,
    bias: read(bias),
    linear: lin ? read(lin) : alloc(n),
    factors: read(fac),
  };
  return { params, bias: bias.weight, linear: lin?.weight, factors: fac?.weight };
}

/** Copies fused-engine arrays back into the model's variables. */
export function writeBackFused(b: FusedBinding): void {
  tf.tidy(() => {
    b.bias.write(tf.tensor(b.params.bias, b.bias.shape as number[]));
    if (b.linear) b.linear.write(tf.tensor(b.params.linear, b.linear.shape as number[]));
    if (b.factors) b.factors.write(tf.tensor(b.params.factors, b.factors.shape as number[]));
  });
}

/** A copy of the trainable arrays (for restoring the best epoch). */
export function snapshotFused(p: FusedParams): Float32Array[] {
  return [p.bias.slice(), p.linear.slice(), p.factors.slice()];
}

/** Restores arrays saved by {@link snapshotFused}. */
export function restoreFused(p: FusedParams, s: Float32Array[]): void {
  p.bias.set(s[0] as Float32Array);
  p.linear.set(s[1] as Float32Array);
  p.factors.set(s[2] as Float32Array);
}

/** Picks the worker-thread runner for a fused run; `@fm/train/node` registers the Hogwild one. */
export type FusedThreadPolicy = (params: FusedParams, train: SparseDataset, threads: number | 'auto') => { threads: number; runner?: FusedRunnerFactory };

let threadPolicy: FusedThreadPolicy | undefined;

/** Registers multi-core training for the fused engine (done by importing `@fm/train/node`). */
export function registerFusedThreads(policy: FusedThreadPolicy): void {
  threadPolicy = policy;
}

/** The threads and runner for a fused run: one thread on the calling thread unless a policy is registered. */
export function fusedThreads(params: FusedParams, train: SparseDataset, threads: number | 'auto'): { threads: number; runner?: FusedRunnerFactory } {
  if (threadPolicy) return threadPolicy(params, train, threads);
  if (threads !== 'auto' && threads > 1) {
    throw new Error(`fit: threads = ${threads} needs worker threads: import '@fm/train/node' (Node only)`);
  }
  return { threads: 1 };
}
