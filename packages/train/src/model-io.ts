import * as tf from '@tensorflow/tfjs';
import { isNativeModel, type NativeModel } from './engines/native/native-model.js';
import { inspectModel } from './model-info.js';
import type { Task } from './losses.js';

/** Metadata saved next to a model's weights (`fm.json` in a file:// directory). */
export interface ModelMeta {
  format: 'fm-model';
  version: 1;
  /** Model family from `modelKind` ('fm', 'ffm', …). */
  kind: string;
  /** Per-field cardinalities from `modelFieldDims`. */
  fieldDims: number[];
  task?: Task;
  /** Mean training label (the regression bias start). */
  labelMean?: number;
  /** `[min, max]` of the training labels, to clip rating predictions. */
  ratingRange?: [number, number];
  /** Anything else the caller adds. */
  [key: string]: unknown;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** The feature encoder's JSON (`Encoder.toJSON()` from `@fm/data`), kept so raw ids can be scored later. */
  encoder?: unknown;
  /** Extra or overriding metadata; kind and fieldDims are read from the model. */
  meta?: Partial<ModelMeta>;
}

/** What {@link loadModel} returns. */
export interface LoadedModel {
  model: tf.LayersModel;
  encoder?: unknown;
  meta: ModelMeta;
}

/** Key under the artifacts' `userDefinedMetadata` holding `{ meta, encoder }`. */
export const FM_METADATA_KEY = 'fm';

/**
 * The model's topology and weights as tfjs `ModelArtifacts`, with `{ meta, encoder }` under
 * `userDefinedMetadata.fm`. Platform-neutral; the basis of {@link saveModel} and checkpoints.
 */
export async function modelArtifacts(model: tf.LayersModel, options: SaveModelOptions = {}): Promise<tf.io.ModelArtifacts> {
  const info = inspectModel(model);
  const meta: ModelMeta = { format: 'fm-model', version: 1, kind: info.kind, fieldDims: info.fieldDims, ...options.meta };
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured) throw new Error('saveModel: tfjs produced no artifacts');
  const fm: Record<string, unknown> = { meta };
  if (options.encoder !== undefined) fm['encoder'] = options.encoder;
  return { ...captured, userDefinedMetadata: { ...captured.userDefinedMetadata, [FM_METADATA_KEY]: fm } };
}

/** Total bytes the weight specs describe. */
export function weightSpecBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  const bytesPer: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };
  return specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (bytesPer[w.dtype] ?? 4), 0);
}

/**
 * Rebuilds a model (and its metadata) from artifacts made by {@link modelArtifacts}. `where` names the
 * source in errors. Throws clearly when the weights do not match the topology.
 */
export async function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, where: string): Promise<LoadedModel> {
  if (!artifacts.modelTopology) throw new Error(`${where}: no model topology (model.json missing or not a tfjs layers model)`);
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  const have = data === undefined ? 0 : Array.isArray(data) ? data.reduce((s, b) => s + b.byteLength, 0) : data.byteLength;
  const need = weightSpecBytes(specs);
  if (have !== need) {
    throw new Error(`${where}: the weight data has ${have} bytes but the model config's weight manifest describes ${need} bytes (${specs.length} weights)`);
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts), { strict: true });
  } catch (e) {
    throw new Error(`${where}: the weights do not match the model config: ${(e as Error).message}`);
  }
  const fm = (artifacts.userDefinedMetadata?.[FM_METADATA_KEY] ?? {}) as { meta?: ModelMeta; encoder?: unknown };
  let meta = fm.meta;
  if (!meta) {
    const info = inspectModel(model);
    meta = { format: 'fm-model', version: 1, kind: info.kind, fieldDims: info.fieldDims };
  }
  const out: LoadedModel = { model, meta };
  if (fm.encoder !== undefined) out.encoder = fm.encoder;
  return out;
}

function handlerFor(url: string, kind: 'save' | 'load'): tf.io.IOHandler {
  const handlers = kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url);
  const h = handlers[0];
  if (!h) {
    const hint = url.startsWith('file://') ? " — file:// needs Node: import { saveModel, loadModel } from '@fm/train/node'" : '';
    throw new Error(`${kind}Model: no tfjs IO handler for "${url}"${hint}`);
  }
  return h;
}

/**
 * Saves a model with its metadata (kind, task, fieldDims, label mean, rating range) and optional
 * encoder JSON through any tfjs IO handler or URL (`indexeddb://`, `localstorage://`, `downloads://`;
 * `file://` once `@fm/train/node` is imported, which writes model.json + weights.bin + fm.json atomically).
 */
export async function saveModel(
  model: tf.LayersModel | NativeModel,
  destination: string | tf.io.IOHandler,
  options: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  const handler = typeof destination === 'string' ? handlerFor(destination, 'save') : destination;
  if (!handler.save) throw new Error('saveModel: the IO handler cannot save');
  // a NativeModel is saved as its @fm/layers equivalent: one format for both
  const layers = isNativeModel(model) ? model.toLayersModel() : model;
  try {
    return await handler.save(await modelArtifacts(layers, options));
  } finally {
    if (layers !== model) layers.dispose();
  }
}

/** Loads a model saved by {@link saveModel}, with its metadata and encoder JSON. */
export async function loadModel(source: string | tf.io.IOHandler): Promise<LoadedModel> {
  const handler = typeof source === 'string' ? handlerFor(source, 'load') : source;
  if (!handler.load) throw new Error('loadModel: the IO handler cannot load');
  const where = typeof source === 'string' ? source : 'loadModel';
  return modelFromArtifacts(await handler.load(), where);
}
