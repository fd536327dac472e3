// @fm/train/node: file-system helpers (Node only). Importing it registers tfjs file:// save/load routers.
import * as tf from '@tensorflow/tfjs';
import { fileModelHandler, readModelDir, readWeightRange, toPath, writeModelDir } from './file-io.js';
import {
  loadModel as loadModelCore,
  modelFromArtifacts,
  FM_METADATA_KEY,
  savedMeta,
  saveModel as saveModelCore,
  type LoadedModel,
  type SaveModelOptions,
} from './model-io.js';

import { fileCheckpointStore } from './file-checkpoint-store.js';
import { NativeModel } from './engines/native/native-model.js';
import { savedNativeParams, streamedArtifactsOf } from './engines/native/saved-native.js';
import { attachBayes, bayesOf, BAYES_FILE } from './engines/bayes/attached.js';
import { BayesianFm } from './engines/bayes/bayesian-fm.js';
import { registerDirectoryCheckpointStore } from './checkpoint.js';

export { fileCheckpointStore };
registerDirectoryCheckpointStore(fileCheckpointStore);
export { fileModelHandler, writeModelDir, readModelDir, isModelDir, type ModelDirContents } from './file-io.js';

let registered = false;
/** Registers `file://` with tfjs's IO router (done on import; idempotent). */
export function registerFileRouter(): void {
  if (registered) return;
  registered = true;
  const route = (url: string | string[], _options?: unknown): tf.io.IOHandler =>  (typeof url === 'string' && url.startsWith('file://') ? fileModelHandler(url) : (null as unknown as tf.io.IOHandler));
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
}
registerFileRouter();

const isRemote = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('file://');

/**
 * Saves a model to a directory (a `file://` URL or a plain path): model.json (topology and fm
 * metadata), fm.json (a readable copy of the metadata) and a version folder with weights.bin,
 * encoder.json and `options.files`, replacing any model there as one unit (see `writeModelDir`).
 * Other URL schemes go to tfjs.
 */
export async function saveModel(model: tf.LayersModel | NativeModel, url: string, options: SaveModelOptions = {}): Promise<tf.io.SaveResult> {
  if (isRemote(url)) return saveModelCore(model, url, options);
  // a Bayesian model keeps its solver (kept samples, settings) beside the weights
  const fm = bayesOf(model);
  const files = fm ? { ...options.files, [BAYES_FILE]: fm.toBytes() } : options.files;
  const meta = fm ? { ...options.meta, solver: fm.settings.solver } : options.meta;
  const opts = { ...options, ...(meta ? { meta } : {}) };
  // weights.bin is written a slice at a time, straight from the variables (a NativeModel: from its arrays, as its
  // @fm/layers equivalent, with no tfjs copy of its tables): the tables are never joined in memory
  const { artifacts, weights } = await streamedArtifactsOf(model, opts);
  await writeModelDir(toPath(url), artifacts, files, weights);
  return { modelArtifactsInfo: { ...tf.io.getModelArtifactsInfoForJSON(artifacts), weightDataBytes: weights.byteLength } };
}

/**
 * Loads a model directory of an LR, FM, FFM or MF model as a {@link NativeModel}: each weight is read from disk
 * straight into its native array, so no tfjs tensor holds the tables and a big table is held once (a 1M-feature
 * FFM at k = 16 is 2.5 GB; `loadModel` holds it in tfjs and the native kernels bind a copy to score it). Resolves to
 * undefined where the native kernels cannot run the model (other kinds, dense layers, a Bayesian model's samples):
 * load those with {@link loadModel}. The same checks and errors as {@link loadModel}.
 */
export async function loadNativeModel(url: string): Promise<(Omit<LoadedModel, 'model'> & { model: NativeModel }) | undefined> {
  if (isRemote(url)) return undefined;
  try {
    const { artifacts, files, weightFiles } = await readModelDir(toPath(url), { weights: false });
    if (files[BAYES_FILE]) return undefined;
    const shared = typeof SharedArrayBuffer !== 'undefined';
    const got = await savedNativeParams(artifacts, (offset, out) => readWeightRange(weightFiles, offset, out), shared);
    if (!got) return undefined;
    const model = NativeModel.fromParams(got.params, got.fieldDims, got.init, got.width);
    const loaded = { model, ...savedMeta(artifacts, model.kind, got.fieldDims, url) };
    return Object.keys(files).length > 0 ? { ...loaded, files } : loaded;
  } catch (e) {
    throw naming(url, e);
  }
}

/** `e` with the model's path in front of its message, where it names no file already. */
function naming(url: string, e: unknown): Error {
  const msg = (e as Error).message;
  return new Error(msg.includes(url) || msg.startsWith('/') ? msg : `${url}: ${msg}`);
}

/**
 * The encoder JSON a model directory keeps (undefined when it has none), read without its weights: what encoding
 * new data for the model needs, at no cost for a big model.
 */
export async function loadModelEncoder(url: string): Promise<unknown> {
  try {
    const { artifacts } = await readModelDir(toPath(url), { weights: false });
    return (artifacts.userDefinedMetadata?.[FM_METADATA_KEY] as { encoder?: unknown } | undefined)?.encoder;
  } catch (e) {
    throw naming(url, e);
  }
}

/**
 * Loads a model directory written by {@link saveModel} (or an older layout), with its metadata,
 * encoder JSON and extra files; a weights/config/metadata mismatch is a clear error naming the directory.
 */
export async function loadModel(url: string): Promise<LoadedModel> {
  if (isRemote(url)) return loadModelCore(url);
  try {
    const { artifacts, files } = await readModelDir(toPath(url));
    const loaded = await modelFromArtifacts(artifacts, url);
    const bayes = files[BAYES_FILE];
    if (bayes) attachBayes(loaded.model, BayesianFm.fromBytes(bayes));
    return Object.keys(files).length > 0 ? { ...loaded, files } : loaded;
  } catch (e) {
    throw naming(url, e);
  }
}
// Multi-core (Hogwild) training for the native engine, on worker threads.
export { hogwildRunner, defaultNativeThreads } from './engines/native/hogwild.js';

import { registerNativeThreads } from './engines/native/threads.js';
import { defaultNativeThreads as autoThreads, hogwildRunner as makeHogwild } from './engines/native/hogwild.js';
registerNativeThreads({
  threads: (table, nnz, requested) => (requested === 'auto' ? autoThreads(table, nnz) : requested),
  runner: makeHogwild,
});

// tfjs-backend-wasm's threaded build, which tfjs does not start in Node by itself (selectBackend's wasmThreads).
import { registerWasmThreads } from './backend.js';
import { nodeWasmThreads } from './wasm-threads-node.js';
export { autoWasmThreads, WASM_THREADS_VERSION } from './wasm-threads-node.js';
registerWasmThreads(nodeWasmThreads);

// MCMC and ALS sweep the lanes of their categorical fields on worker threads (the same chain for any thread count).
import { registerSweepThreads } from './engines/bayes/sweep-lanes.js';
import { workerSweepThreads } from './engines/bayes/sweep-lanes-node.js';
registerSweepThreads(workerSweepThreads);
