import * as tf from '@tensorflow/tfjs';
import { featureCount, fieldOffsets } from './field-dims.js';
import { DEFAULT_INIT_STD } from './layer-args.js';

/** libFM-style regularisation groups (`-regular r0,r1,r2` = bias, linear, factors; plus dense weights). */
export type ParameterGroup = 'bias' | 'linear' | 'factors' | 'dense';

/** Weight names (last path segment) that make a sparse table when their first dimension is n = Σ fieldDims. */
const SPARSE_WEIGHT_NAMES = new Set(['embedding', 'linear']);

/** The weight's own name: the last segment of its scoped name, without a uniquifying `_N` suffix. */
function baseName(name: string): { layer: string; weight: string } {
  const parts = name.split('/');
  const last = parts[parts.length - 1] ?? name;
  const stripped = last.replace(/_\d+$/, '');
  const known = ['bias', 'linear', 'embedding'];
  return { layer: parts.length > 1 ? (parts[parts.length - 2] ?? '') : '', weight: known.includes(stripped) ? stripped : last };
}

/**
 * The regularisation group of a weight, from its name: `'bias'` (the global bias w₀, a weight named `bias`
 * outside tf `dense` layers), `'linear'` (per-feature weights w, named `linear`), `'factors'` (latent factor
 * tables named `embedding`: FM/FFM/MF factors) and `'dense'` (everything else: MLP, attention, projections).
 * Custom layers opt into a group by naming their weights accordingly.
 */
export function parameterGroup(weight: tf.LayerVariable | string): ParameterGroup {
  const { layer, weight: name } = baseName(typeof weight === 'string' ? weight : weight.name);
  if (name === 'bias') return /^dense/i.test(layer) ? 'dense' : 'bias';
  if (name === 'linear') return 'linear';
  if (name === 'embedding') return 'factors';
  return 'dense';
}

/** All layers of a model, descending into nested models. */
function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...allLayers(layer));
    else out.push(layer);
  }
  return out;
}

/** The first value of a config key among the model's layers. */
function configValue(model: tf.LayersModel, key: string): unknown {
  for (const layer of allLayers(model)) {
    const value = layer.getConfig()[key];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/**
 * The `fieldDims` a model was built for (read from its layers' configs, so it survives save/load).
 * @throws if no layer of the model records fieldDims.
 */
export function modelFieldDims(model: tf.LayersModel): number[] {
  const dims = configValue(model, 'fieldDims');
  if (!Array.isArray(dims) || dims.some((d) => typeof d !== 'number')) {
    throw new Error(`modelFieldDims: model '${model.name}' has no layer with a fieldDims config (not an @fm/layers model?)`);
  }
  return [...(dims as number[])];
}

/**
 * How the model's embedding tables were initialised (read from its layers' configs, so it survives save/load):
 * N(0, initStd²) drawn from `seed` (undefined: unseeded, random). A model grown for new ids (a warm start) draws
 * their rows the same way.
 */
export function modelInit(model: tf.LayersModel): { initStd: number; seed?: number } {
  const std = configValue(model, 'initStd');
  const seed = configValue(model, 'seed');
  return { initStd: typeof std === 'number' ? std : DEFAULT_INIT_STD, ...(typeof seed === 'number' ? { seed } : {}) };
}

/** The model family recorded in the layers' configs ('fm', 'mf', ...), or undefined when none is recorded. */
export function modelKind(model: tf.LayersModel): string | undefined {
  const kind = configValue(model, 'modelKind');
  return typeof kind === 'string' ? kind : undefined;
}

/**
 * The sparse tables of a model: trainable weights named `embedding` or `linear` whose first dimension is the
 * feature count n = Σ fieldDims, read only through {@link gatherRows} (FM/FFM/MF factors, linear weights, MF
 * biases). A trainer may update only the rows a batch touches in these.
 */
export function sparseTables(model: tf.LayersModel): tf.LayerVariable[] {
  const n = featureCount(modelFieldDims(model));
  return model.trainableWeights.filter((w) => SPARSE_WEIGHT_NAMES.has(baseName(w.name).weight) && w.shape[0] === n);
}

/**
 * The latent factors of one field's ids, `[fieldDims[field], k]` (a new tensor the caller disposes).
 * For FFM models (table `[n, F·k]`) it returns the block towards `towardField`.
 */
function fieldFactors(model: tf.LayersModel, field: number, towardField: number): tf.Tensor2D {
  const fieldDims = modelFieldDims(model);
  if (!Number.isInteger(field) || field < 0 || field >= fieldDims.length) {
    throw new Error(`field ${field} is out of range: the model has ${fieldDims.length} fields`);
  }
  const table = sparseTables(model).find((w) => baseName(w.name).weight === 'embedding');
  if (table === undefined) throw new Error(`model '${model.name}' has no factor table (weight 'embedding')`);
  const offsets = fieldOffsets(fieldDims);
  const start = offsets[field] as number;
  const rows = fieldDims[field] as number;
  const cols = table.shape[1] as number;
  if (modelKind(model) === 'ffm') {
    const k = cols / fieldDims.length;
    if (!Number.isInteger(towardField) || towardField < 0 || towardField >= fieldDims.length) {
      throw new Error(`towardField ${towardField} is out of range: the model has ${fieldDims.length} fields`);
    }
    return tf.slice(table.read(), [start, towardField * k], [rows, k]) as tf.Tensor2D;
  }
  return tf.slice(table.read(), [start, 0], [rows, cols]) as tf.Tensor2D;
}

/**
 * The item latent factors `[numItems, k]` (rows of the factor table for field `itemField`), e.g. for
 * similar-item search. Works for every model with an `embedding` table (FM, MF, AFM, NFM, DeepFM; for FFM, the
 * items' block towards `userField`). The caller disposes the tensor.
 */
export function itemFactors(model: tf.LayersModel, itemField = 1, userField = 0): tf.Tensor2D {
  return fieldFactors(model, itemField, userField);
}

/** The user latent factors `[numUsers, k]`; see {@link itemFactors}. The caller disposes the tensor. */
export function userFactors(model: tf.LayersModel, userField = 0, itemField = 1): tf.Tensor2D {
  return fieldFactors(model, userField, itemField);
}
