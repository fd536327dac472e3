import * as tf from '@tensorflow/tfjs';
import { assignVariable, valuesOf } from '../../heap-view.js';
import { ffmNormalized, type ModelInfo, type TrainableParam } from '../../model-info.js';
import { allocFactors, allocFloat32, allocLinear, fieldOfFeatureTable } from './params.js';
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
  const read = (p: TrainableParam | undefined, out: Float32Array) => {
    if (p) out.set(valuesOf(p.weight.read()));
    return out;
  };
  const n = info.numFeatures;
  const factors = read(layout.factors, allocFactors(layout.kind, n, info.fieldDims.length, layout.k, shared));
  const params: NativeParams = {
    kind: layout.kind,
    numFeatures: n,
    k: layout.k,
    numFields: info.fieldDims.length,
    fieldOfFeature: fieldOfFeatureTable(info.fieldDims, shared),
    normalize: layout.normalize,
    bias: read(layout.bias, allocFloat32(1, shared)),
    linear: read(layout.linear, allocLinear(factors, n, shared)),
    factors,
  };
  return { params, bias: layout.bias.weight, linear: layout.linear?.weight, factors: layout.factors?.weight };
}

/**
 * Copies native arrays back into the model's variables, in place on wasm ({@link assignVariable}): the FM
 * family's tables are read through gathers only.
 */
export function writeBackNative(b: NativeBinding): void {
  assignVariable(b.bias, b.params.bias, true);
  if (b.linear) assignVariable(b.linear, b.params.linear, true);
  if (b.factors) assignVariable(b.factors, b.params.factors, true);
}
