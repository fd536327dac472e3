import * as tf from '@tensorflow/tfjs';
import { readView, wasmHeap, writeView } from '../../heap-view.js';
import { ffmNormalized, type ModelInfo, type TrainableParam } from '../../model-info.js';
import { allocFactors, allocFloat32, fieldOfFeatureTable } from './params.js';
import { NATIVE_KINDS, type NativeKind, type NativeParams } from './types.js';

/** A tfjs model's weights as {@link NativeParams}, plus the variables to write them back to. */
export interface NativeBinding {
  params: NativeParams;
  bias: tf.LayerVariable;
  linear: tf.LayerVariable | undefined;
  factors: tf.LayerVariable | undefined;
}

/** What the native engine would bind: the kind, k, and the weights, or why it cannot. */
export interface NativeLayout {
  kind: NativeKind;
  k: number;
  normalize: boolean;
  bias: TrainableParam;
  linear: TrainableParam | undefined;
  factors: TrainableParam | undefined;
}

/**
 * Checks whether the native engine implements a model (LR, FM, FFM, MF with one scalar bias, one
 * linear table, one factor table and nothing else); returns its layout or the reason it cannot.
 */
export function nativeLayout(model: tf.LayersModel, info: ModelInfo): NativeLayout | string {
  if (!NATIVE_KINDS.includes(info.kind as NativeKind)) return `model kind "${info.kind}" has no native kernel (${NATIVE_KINDS.join(', ')} do)`;
  for (const layer of model.layers) {
    const cfg = layer.getConfig() as { ratingRange?: unknown };
    if (cfg.ratingRange) return 'MF with a scaled sigmoid output (ratingRange) has no native kernel';
  }
  const normalize = ffmNormalized(model);
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
  const kind = info.kind as NativeKind;
  let k = 0;
  if (kind !== 'lr') {
    if (!fac || fac.shape[0] !== n) return 'expected a factor table [n, k]';
    k = kind === 'ffm' ? fac.rowSize / F : fac.rowSize;
    if (!Number.isInteger(k) || k < 1) return `factor table rows of ${fac.rowSize} do not split into ${F} fields`;
  }
  if (kind === 'mf' && F !== 2) return 'MF needs exactly two fields (user, item)';
  return { kind, k, normalize: kind === 'ffm' && normalize, bias: biases[0] as TrainableParam, linear: lin, factors: fac };
}

/**
 * Reads a model's weights into native arrays (on SharedArrayBuffers when `shared`, for Hogwild
 * workers), or returns why the native engine cannot train it.
 */
export function bindNative(model: tf.LayersModel, info: ModelInfo, shared = false): NativeBinding | string {
  const layout = nativeLayout(model, info);
  if (typeof layout === 'string') return layout;
  // into `out`: ordinary or shared arrays; FFM's table where its WebAssembly step can use it (allocFactors).
  // On wasm straight from the heap: `dataSync` would first copy the whole table into a new array.
  const heap = wasmHeap();
  const read = (p: TrainableParam | undefined, out: Float32Array) => {
    if (p) {
      const t = p.weight.read();
      out.set(heap && t.dtype === 'float32' ? readView(heap, t) : (t.dataSync() as Float32Array));
    }
    return out;
  };
  const n = info.numFeatures;
  const params: NativeParams = {
    kind: layout.kind,
    numFeatures: n,
    k: layout.k,
    numFields: info.fieldDims.length,
    fieldOfFeature: fieldOfFeatureTable(info.fieldDims, shared),
    normalize: layout.normalize,
    bias: read(layout.bias, allocFloat32(1, shared)),
    linear: read(layout.linear, allocFloat32(n, shared)),
    factors: read(layout.factors, allocFactors(layout.kind, n, info.fieldDims.length, layout.k, shared)),
  };
  return { params, bias: layout.bias.weight, linear: layout.linear?.weight, factors: layout.factors?.weight };
}

/**
 * A tensor holding a copy of `values`. The cpu backend keeps the very array it is given (no copy),
 * so a variable written from native arrays would change whenever native training changes them.
 */
export function tensorOf(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'cpu' ? values.slice() : values, shape);
}

/**
 * Copies native arrays back into the model's variables. On wasm into the variables' own storage where no
 * other tensor shares it: a new tensor would need the heap to hold the table twice, and tfjs-backend-wasm's
 * heap stops at 4 GiB (a 1M-feature FFM at k = 16 is 2.5 GB). The FM family's tables are read through
 * gathers only, so writing them in place is safe (see {@link writeView}).
 */
export function writeBackNative(b: NativeBinding): void {
  const heap = wasmHeap();
  const put = (v: tf.LayerVariable, values: Float32Array) => {
    const view = heap && v.dtype === 'float32' ? writeView(heap, v.read()) : undefined;
    if (view !== undefined && view.length === values.length) view.set(values);
    else tf.tidy(() => {
      v.write(tensorOf(values, v.shape as number[]));
    });
  };
  put(b.bias, b.params.bias);
  if (b.linear) put(b.linear, b.params.linear);
  if (b.factors) put(b.factors, b.params.factors);
}
