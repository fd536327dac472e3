import { withZeroInit } from '@fm/layers';
import { checkOptionNames } from '@fm/layers/option-names';
import * as tf from '@tensorflow/tfjs';
import { assignVariable, valuesOf } from './heap-view.js';
import { isNativeModel, type NativeModel } from './engines/native/native-model.js';
import { inspectModel } from './model-info.js';
import type { Task } from './losses.js';

/** Version of the model metadata and directory layout written now (1: the first layout, still read). */
export const MODEL_FORMAT_VERSION = 2;

/**
 * Metadata saved with a model: in the browser inside the tfjs model JSON (`userDefinedMetadata.fm`);
 * in a model directory in `model.json` too, with a readable copy in `fm.json`. The library, the `fm`
 * command and the web page all write and read this one format.
 */
export interface ModelMeta {
  format: 'fm-model';
  /** 1 or 2 ({@link MODEL_FORMAT_VERSION}); both load. */
  version: 1 | 2;
  /** Model family from `modelKind` ('fm', 'ffm', …); checked against the model's layers on load. */
  kind: string;
  /** Per-field cardinalities from `modelFieldDims`; checked against the model's layers on load. */
  fieldDims: number[];
  task?: Task;
  /** Mean training label (the regression bias start). */
  labelMean?: number;
  /** `[min, max]` of the training labels, to clip rating predictions. */
  ratingRange?: [number, number];
  /** The training data's field schema (`FieldSchema.toJSON()` from `@fm/data`): names, kinds, cardinalities. */
  schema?: { fields: { name: string; kind: string; cardinality: number }[] };
  /** Item titles by raw item id, when the training data had them. */
  titles?: Record<string, string>;
  /** How the model was trained (data, flags, figures). */
  training?: Record<string, unknown>;
  /** ISO time of saving. */
  createdAt?: string;
  /** Anything else the caller adds. */
  [key: string]: unknown;
}

/** Every option of {@link SaveModelOptions} (an unknown name is an error, never ignored). */
const SAVE_MODEL_KEYS = { encoder: true, meta: true, files: true } as const satisfies Record<keyof SaveModelOptions, true>;

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** The feature encoder's JSON (`Encoder.toJSON()` from `@fm/data`), kept so raw ids can be scored later. */
  encoder?: unknown;
  /** Extra or overriding metadata; kind and fieldDims are read from the model. */
  meta?: Partial<ModelMeta>;
  /**
   * Extra files kept in a model directory with the model and replaced with it as one unit (Node,
   * `@fm/train/node`): e.g. `interactions.bin` (the training pairs, for sampled evaluation) or a
   * Bayesian solver's samples. Names are plain file names; other IO handlers refuse them.
   */
  files?: Record<string, Uint8Array | string>;
}

/** What {@link loadModel} returns. */
export interface LoadedModel {
  model: tf.LayersModel;
  encoder?: unknown;
  meta: ModelMeta;
  /** The extra files of a model directory ({@link SaveModelOptions.files}), by name. */
  files?: Record<string, Uint8Array>;
}

/** Key under the artifacts' `userDefinedMetadata` holding `{ meta, encoder }`. */
export const FM_METADATA_KEY = 'fm';

/** What tfjs's own `model.save` hands a save handler. */
async function stockArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured) throw new Error('saveModel: tfjs produced no artifacts');
  return captured;
}

/** Bytes of one slice of a {@link WeightStream}: 64 MiB. */
const WEIGHT_SLICE = 64 << 20;

/**
 * A model's weight bytes, in the order of its weight specs, read a slice at a time from where they live, so
 * a file can be written without one more copy of a big table beside the model. @internal
 */
export interface WeightStream {
  /** Total bytes. */
  readonly byteLength: number;
  /**
   * The bytes in order, in slices of at most `sliceBytes`. A slice may be a reused buffer: it is valid
   * until the next one is asked for.
   */
  slices(sliceBytes?: number): Generator<Uint8Array>;
}

/**
 * The variables' values as a {@link WeightStream}: each slice is copied into one reused buffer, reading the
 * variable afresh each time (a wasm heap view is valid only until the next allocation, and the caller may
 * await between slices).
 */
function variableStream(weights: readonly tf.LayerVariable[]): WeightStream {
  const byteLength = weights.reduce((s, w) => s + w.read().size * 4, 0);
  return {
    byteLength,
    *slices(sliceBytes = WEIGHT_SLICE) {
      const buf = new Uint8Array(Math.min(sliceBytes, byteLength));
      for (const w of weights) {
        const bytes = w.read().size * 4;
        for (let at = 0; at < bytes; at += sliceBytes) {
          const n = Math.min(sliceBytes, bytes - at);
          const src = valuesOf(w.read());
          buf.set(new Uint8Array(src.buffer, src.byteOffset + at, n));
          yield buf.subarray(0, n);
        }
      }
    },
  };
}

/**
 * Where bytes `[offset, offset + length)` of the concatenation of parts of `sizes` bytes lie: for each part they
 * touch, its index, the start within it, the start within the range and the count. Throws when the parts are too
 * short. @internal
 */
export function weightSpans(sizes: readonly number[], offset: number, length: number): { part: number; from: number; at: number; n: number }[] {
  const spans: { part: number; from: number; at: number; n: number }[] = [];
  let start = 0;
  let done = 0;
  for (const [part, size] of sizes.entries()) {
    const from = offset + done - start;
    if (done < length && from < size) {
      const n = Math.min(size - from, length - done);
      spans.push({ part, from, at: done, n });
      done += n;
    }
    start += size;
  }
  if (done < length) throw new Error(`the weight data holds ${start} bytes, fewer than ${offset + length}`);
  return spans;
}

/** Bytes already in memory (buffers, or views of them) as a {@link WeightStream}: views, no copy. @internal */
export function bytesStream(data: tf.io.WeightData | readonly Uint8Array[] | undefined): WeightStream {
  const list: readonly (ArrayBuffer | Uint8Array)[] = data === undefined ? [] : Array.isArray(data) ? (data as readonly (ArrayBuffer | Uint8Array)[]) : [data as ArrayBuffer];
  const parts = list.map((b) => (b instanceof Uint8Array ? b : new Uint8Array(b)));
  return {
    byteLength: parts.reduce((s, b) => s + b.byteLength, 0),
    *slices(sliceBytes = WEIGHT_SLICE) {
      for (const b of parts) for (let at = 0; at < b.byteLength; at += sliceBytes) yield b.subarray(at, Math.min(b.byteLength, at + sliceBytes));
    },
  };
}

/**
 * The artifacts tfjs's `model.save` makes (the same topology, specs and bytes) less the weight data, and the
 * weights as a stream read straight from the variables (from the wasm heap there): tfjs reads every weight into
 * an array of its own and then joins them, which holds a 2.5 GB table twice besides the model. Undefined for
 * weights other than float32 and int32, which take tfjs's path.
 */
function plainArtifacts(model: tf.LayersModel): { artifacts: tf.io.ModelArtifacts; weights: WeightStream } | undefined {
  const weights = model.weights;
  if (weights.some((w) => w.dtype !== 'float32' && w.dtype !== 'int32')) return undefined;
  const weightSpecs: tf.io.WeightsManifestEntry[] = weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[], dtype: w.dtype as 'float32' | 'int32' }));
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: model.toJSON(null, false) as object,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers'] ?? ''}`,
    convertedBy: null,
    weightSpecs,
  };
  const own = model.getUserDefinedMetadata();
  if (own !== undefined) artifacts.userDefinedMetadata = own;
  return { artifacts, weights: variableStream(weights) };
}

/**
 * {@link modelArtifacts} without the weight data, and the weights as a {@link WeightStream}: what a file writer
 * needs to write a big model with no second copy of its tables. @internal
 */
export async function streamedArtifacts(model: tf.LayersModel, options: SaveModelOptions = {}): Promise<{ artifacts: tf.io.ModelArtifacts; weights: WeightStream }> {
  checkOptionNames('saveModel', options, Object.keys(SAVE_MODEL_KEYS));
  const info = inspectModel(model);
  const meta: ModelMeta = {
    ...options.meta,
    format: 'fm-model',
    version: MODEL_FORMAT_VERSION,
    kind: info.kind,
    fieldDims: info.fieldDims,
  };
  const plain = plainArtifacts(model);
  let captured: tf.io.ModelArtifacts;
  let weights: WeightStream;
  if (plain) ({ artifacts: captured, weights } = plain);
  else {
    const { weightData, ...rest } = await stockArtifacts(model);
    captured = rest;
    weights = bytesStream(weightData);
  }
  const fm: Record<string, unknown> = { meta };
  if (options.encoder !== undefined) fm['encoder'] = options.encoder;
  return { artifacts: { ...captured, userDefinedMetadata: { ...captured.userDefinedMetadata, [FM_METADATA_KEY]: fm } }, weights };
}

/**
 * The model's topology and weights as tfjs `ModelArtifacts`, with `{ meta, encoder }` under
 * `userDefinedMetadata.fm`. Platform-neutral; the basis of {@link saveModel} and checkpoints. The weights are
 * copied once, into one buffer.
 */
export async function modelArtifacts(model: tf.LayersModel, options: SaveModelOptions = {}): Promise<tf.io.ModelArtifacts> {
  return withWeightData(await streamedArtifacts(model, options));
}

/** Artifacts with their weight stream joined into `weightData` (one buffer). @internal */
export function withWeightData({ artifacts, weights }: { artifacts: tf.io.ModelArtifacts; weights: WeightStream }): tf.io.ModelArtifacts {
  const weightData = new Uint8Array(weights.byteLength);
  let at = 0;
  for (const s of weights.slices()) {
    weightData.set(s, at);
    at += s.byteLength;
  }
  return { ...artifacts, weightData: weightData.buffer };
}

/** Total bytes the weight specs describe. */
export function weightSpecBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  const bytesPer: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };
  return specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (bytesPer[w.dtype] ?? 4), 0);
}

/**
 * Throws, naming `where`, when artifacts' weight data does not have the bytes their weight specs describe.
 * @internal
 */
export function checkWeightBytes(artifacts: Pick<tf.io.ModelArtifacts, 'weightSpecs' | 'weightData'>, where: string): void {
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  const have = data === undefined ? 0 : Array.isArray(data) ? data.reduce((s, b) => s + b.byteLength, 0) : data.byteLength;
  const need = weightSpecBytes(specs);
  if (have !== need) {
    throw new Error(`${where}: the weight data has ${have} bytes but the model config's weight manifest describes ${need} bytes (${specs.length} weights)`);
  }
}

/**
 * The model a topology describes, its layers' random initialisers giving zeros ({@link withZeroInit}): its
 * weights are written next. `modelFromJSON` builds the layers before its first await, so the zeros cover
 * exactly this model.
 */
/** @internal */
export async function modelFromTopology(artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  const topology = artifacts.modelTopology as tf.io.ModelJSON['modelTopology'];
  const pending = withZeroInit(() => tf.models.modelFromJSON({ modelTopology: topology }));
  const model = await pending;
  if (artifacts.trainingConfig) model.loadTrainingConfig(artifacts.trainingConfig as Parameters<tf.LayersModel['loadTrainingConfig']>[0]);
  if (artifacts.userDefinedMetadata) model.setUserDefinedMetadata(artifacts.userDefinedMetadata);
  return model;
}

/**
 * Pairs a freshly built model's variables with saved weight specs by name; throws naming a missing or extra one.
 * An optimizer's weights (tfjs's `includeOptimizer`) pair with undefined: they are skipped, since fm trains with
 * its own optimizers and their state (checkpoints keep that).
 * @internal
 */
export function variablesByName(model: tf.LayersModel, specs: readonly tf.io.WeightsManifestEntry[]): (tf.LayerVariable | undefined)[] {
  const variables = new Map(model.weights.map((w) => [w.originalName, w]));
  const named = new Set(specs.map((s) => s.name));
  const missing = [...variables.keys()].filter((name) => !named.has(name));
  if (missing.length > 0) throw new Error(`the weights lack ${missing.map((m) => `"${m}"`).join(', ')}`);
  return specs.map((spec) => {
    if (spec.group === 'optimizer') return undefined;
    const v = variables.get(spec.name);
    if (!v) throw new Error(`the weights have "${spec.name}", which the model config does not`);
    return v;
  });
}

/**
 * Writes saved weights (`specs` over `data`, in order) into `variables` (the i-th spec into the i-th variable;
 * undefined skips it), after checking every shape and dtype. On wasm each goes into the variable's own storage
 * ({@link assignVariable}): tfjs's `loadWeights` and `setWeights` first make a new tensor of every weight, so the
 * heap would hold the model twice. The variables in `renew` get a new tensor instead: a dense weight that may have
 * run already must not change under the XNNPACK operator cached on it (a fresh model has run nothing).
 * @internal
 */
export function writeSavedWeights(
  variables: readonly (tf.LayerVariable | undefined)[],
  specs: readonly tf.io.WeightsManifestEntry[],
  data: tf.io.WeightData,
  renew: ReadonlySet<tf.LayerVariable> = new Set(),
): void {
  if (variables.length !== specs.length) throw new Error(`the weights hold ${specs.length} arrays, the model has ${variables.length}`);
  // every shape and dtype first, so a mismatch leaves the variables as they were
  specs.forEach((spec, i) => {
    const v = variables[i];
    if (v === undefined) return; // not the model's (an optimizer's weights)
    if (v.shape.length !== spec.shape.length || v.shape.some((d, j) => d !== spec.shape[j])) {
      throw new Error(`"${spec.name}" has shape [${spec.shape}] in the weights, the model config builds [${v.shape}]`);
    }
    if (v.dtype !== spec.dtype) throw new Error(`"${spec.name}" is ${spec.dtype} in the weights, the model config builds ${v.dtype}`);
  });
  const chunks = Array.isArray(data) ? data : [data];
  const whole = chunks.length === 1 ? (chunks[0] as ArrayBuffer) : undefined;
  const composite = whole ? undefined : new tf.io.CompositeArrayBuffer(chunks);
  let offset = 0;
  specs.forEach((spec, i) => {
    const bytes = weightSpecBytes([spec]);
    const v = variables[i];
    const plain = spec.quantization === undefined && (spec.dtype === 'float32' || spec.dtype === 'int32');
    const at = offset;
    offset += bytes;
    if (v === undefined) return;
    const raw = whole && at % 4 === 0 && plain ? whole : (composite ?? new tf.io.CompositeArrayBuffer(chunks)).slice(at, at + bytes);
    if (!plain) {
      const decoded = tf.io.decodeWeights(raw, [spec])[spec.name] as tf.Tensor;
      v.write(decoded);
      decoded.dispose();
      return;
    }
    const start = raw === whole ? at : 0;
    assignVariable(v, spec.dtype === 'float32' ? new Float32Array(raw, start, bytes / 4) : new Int32Array(raw, start, bytes / 4), !renew.has(v));
  });
}

/**
 * Rebuilds a model (and its metadata) from artifacts made by {@link modelArtifacts}. `where` names the
 * source in errors. Throws clearly when the weights do not match the topology.
 */
export async function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, where: string): Promise<LoadedModel> {
  if (!artifacts.modelTopology) throw new Error(`${where}: no model topology (model.json missing or not a tfjs layers model)`);
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  checkWeightBytes(artifacts, where);
  let model: tf.LayersModel;
  try {
    model = await modelFromTopology(artifacts);
  } catch (e) {
    throw new Error(`${where}: the model config does not build a model: ${(e as Error).message}`);
  }
  try {
    writeSavedWeights(variablesByName(model, specs), specs, data ?? new ArrayBuffer(0));
  } catch (e) {
    model.dispose();
    throw new Error(`${where}: the weights do not match the model config: ${(e as Error).message}`);
  }
  const info = inspectModel(model);
  try {
    return { model, ...savedMeta(artifacts, info.kind, info.fieldDims, where) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The fm metadata and encoder JSON of artifacts, checked against the model's kind and field sizes ({@link checkMeta});
 * metadata made from those where the artifacts have none (a plain tfjs model).
 * @internal
 */
export function savedMeta(artifacts: tf.io.ModelArtifacts, kind: string, fieldDims: number[], where: string): { meta: ModelMeta; encoder?: unknown } {
  const fm = (artifacts.userDefinedMetadata?.[FM_METADATA_KEY] ?? {}) as { meta?: ModelMeta; encoder?: unknown };
  let meta = fm.meta;
  if (!meta) meta = { format: 'fm-model', version: MODEL_FORMAT_VERSION, kind, fieldDims };
  else checkMeta(meta, kind, fieldDims, where);
  return fm.encoder !== undefined ? { meta, encoder: fm.encoder } : { meta };
}

/**
 * Throws, naming what differs, when the metadata does not describe the model's layers (an edited or
 * mismatched metadata file would otherwise fail later inside tfjs, e.g. as a gather index error).
 */
export function checkMeta(meta: ModelMeta, kind: string, fieldDims: readonly number[], where: string): void {
  if (meta.format !== 'fm-model' || (meta.version !== 1 && meta.version !== 2)) {
    throw new Error(`${where}: the metadata has format ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.version)}, expected "fm-model" version 1 or 2`);
  }
  const dims = meta.fieldDims;
  if (!Array.isArray(dims) || dims.length !== fieldDims.length || dims.some((d, i) => d !== fieldDims[i])) {
    throw new Error(`${where}: the metadata says fieldDims ${JSON.stringify(dims)}, but the model's layers were built for [${fieldDims.join(',')}]`);
  }
  if (meta.kind !== kind && kind !== 'unknown') {
    throw new Error(`${where}: the metadata says kind ${JSON.stringify(meta.kind)}, but the model's layers are a ${kind} model`);
  }
  const enc = meta.schema?.fields;
  if (enc !== undefined && (!Array.isArray(enc) || enc.length !== dims.length || enc.some((f, i) => f?.cardinality !== dims[i]))) {
    throw new Error(`${where}: the metadata's schema (${JSON.stringify(enc)}) does not match its fieldDims [${dims.join(',')}]`);
  }
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
 * `file://` once `@fm/train/node` is imported: a model directory replaced as one unit, see `writeModelDir`).
 */
export async function saveModel(
  model: tf.LayersModel | NativeModel,
  destination: string | tf.io.IOHandler,
  options: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  const handler = typeof destination === 'string' ? handlerFor(destination, 'save') : destination;
  if (!handler.save) throw new Error('saveModel: the IO handler cannot save');
  if (options.files && Object.keys(options.files).length > 0) {
    throw new Error("saveModel: extra files need a model directory: import { saveModel } from '@fm/train/node' (Node only)");
  }
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
