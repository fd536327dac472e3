import { Rng } from '@fm/data';
import { NATIVE_KINDS, type NativeKind, type NativeParams } from './types.js';
import { allocFfmFactors, allocFfmLinear } from './ffm-wasm.js';

/** Allocates a Float32Array, on a SharedArrayBuffer when `shared` (for Hogwild worker threads). */
export function allocFloat32(length: number, shared = false): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/** Allocates an Int32Array, on a SharedArrayBuffer when `shared` (for Hogwild worker threads). */
export function allocInt32(length: number, shared = false): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
}

/**
 * A factor table of `kind` (fm/mf `[n·k]`, ffm `[n·F·k]`, lr empty); FFM's in a WebAssembly memory where its
 * WebAssembly SIMD step applies (ffm-wasm.ts), else an ordinary (or shared) Float32Array.
 */
export function allocFactors(kind: NativeKind, n: number, F: number, k: number, shared = false): Float32Array {
  if (kind === 'ffm') {
    const t = allocFfmFactors(n, F, k, shared);
    if (t !== undefined) return t;
  }
  return allocFloat32(kind === 'lr' ? 0 : kind === 'ffm' ? n * F * k : n * k, shared);
}

/**
 * The linear weights `[n]` of a model whose factor table is `factors`: in the FFM table's WebAssembly memory where
 * the table is there (the WebAssembly step touches them with the rows), else an ordinary (or shared) Float32Array.
 */
export function allocLinear(factors: Float32Array, n: number, shared = false): Float32Array {
  return allocFfmLinear(factors) ?? allocFloat32(n, shared);
}

/** `[n]` field index of every global feature id for fields of the given cardinalities. */
export function fieldOfFeatureTable(fieldDims: readonly number[], shared = false): Int32Array {
  const n = fieldDims.reduce((a, b) => a + b, 0);
  const out = allocInt32(n, shared);
  let o = 0;
  fieldDims.forEach((d, f) => {
    out.fill(f, o, o + d);
    o += d;
  });
  return out;
}

/**
 * Creates parameters for a model over fields of the given cardinalities (`FieldSchema.fieldDims`):
 * bias and linear weights zero, factors drawn from N(0, initStd²) with a seeded {@link Rng}.
 *
 * @param kind model family; `mf` needs exactly two fields (users, items).
 * @param fieldDims per-field cardinalities; n = Σ fieldDims.
 * @param k factor dimension (ignored for `lr`).
 * @returns fm/mf factors `[n*k]`, ffm `[n*F*k]`, lr none.
 */
export function createNativeParams(
  kind: NativeKind,
  fieldDims: readonly number[],
  k: number,
  opts: { seed: number; initStd: number; shared?: boolean; normalize?: boolean },
): NativeParams {
  if (!NATIVE_KINDS.includes(kind)) throw new Error(`createNativeParams: unknown kind "${String(kind)}", expected ${NATIVE_KINDS.join(' | ')}`);
  if (fieldDims.length === 0) throw new Error('createNativeParams: fieldDims is empty');
  fieldDims.forEach((d, f) => {
    if (!Number.isInteger(d) || d < 1) throw new Error(`createNativeParams: fieldDims[${f}] = ${d}, expected an integer ≥ 1`);
  });
  if (kind !== 'lr' && (!Number.isInteger(k) || k < 1)) throw new Error(`createNativeParams: k = ${k}, expected an integer ≥ 1`);
  if (kind === 'mf' && fieldDims.length !== 2) {
    throw new Error(`createNativeParams: kind "mf" needs exactly 2 fields (users, items), got ${fieldDims.length}`);
  }
  if (!(opts.initStd >= 0)) throw new Error(`createNativeParams: initStd = ${opts.initStd}, expected ≥ 0`);
  const F = fieldDims.length;
  const n = fieldDims.reduce((a, b) => a + b, 0);
  const shared = opts.shared ?? false;
  const factorLen = kind === 'lr' ? 0 : kind === 'ffm' ? n * F * k : n * k;
  const factors = allocFactors(kind, n, F, k, shared);
  if (opts.initStd > 0) rngNormalDraws(opts.seed, opts.initStd)(factors, 0, factorLen);
  return {
    kind,
    numFeatures: n,
    k: kind === 'lr' ? 0 : k,
    numFields: F,
    fieldOfFeature: fieldOfFeatureTable(fieldDims, shared),
    normalize: kind === 'ffm' && (opts.normalize ?? true),
    bias: allocFloat32(1, shared),
    linear: allocLinear(factors, n, shared),
    factors,
  };
}

/**
 * N(0, std²) values of a seeded {@link Rng}, drawn into `out[from, to)` call by call as one stream: the draw of
 * {@link createNativeParams}, in pieces where a caller wants them.
 */
export function rngNormalDraws(seed: number, std: number): (out: Float32Array, from: number, to: number) => void {
  const rng = new Rng(seed);
  return (out, from, to) => {
    for (let i = from; i < to; i++) out[i] = rng.normal() * std;
  };
}

/** Floats per parameter row of `factors` (fm/mf: k, ffm: F·k, lr: 0). */
export function factorRowLength(params: Pick<NativeParams, 'kind' | 'numFields' | 'k'>): number {
  if (params.kind === 'lr') return 0;
  return params.kind === 'ffm' ? params.numFields * params.k : params.k;
}

/** Checks the array sizes of `params` against its kind, n, k and F; throws naming the wrong one. */
export function checkNativeParams(params: NativeParams): void {
  const n = params.numFeatures;
  const want = n * factorRowLength(params);
  if (params.bias.length !== 1) throw new Error(`NativeParams: bias has length ${params.bias.length}, expected 1`);
  if (params.linear.length !== n) throw new Error(`NativeParams: linear has length ${params.linear.length}, expected n = ${n}`);
  if (params.factors.length !== want) {
    throw new Error(`NativeParams: factors has length ${params.factors.length}, expected ${want} for kind "${params.kind}"`);
  }
  if (params.fieldOfFeature.length !== n) {
    throw new Error(`NativeParams: fieldOfFeature has length ${params.fieldOfFeature.length}, expected n = ${n}`);
  }
}
