// @fm/train/node: file-system helpers (Node only). Importing it registers tfjs file:// save/load routers.
import * as tf from '@tensorflow/tfjs';
import { fileModelHandler } from './file-io.js';
import { loadModel as loadModelCore, saveModel as saveModelCore, type LoadedModel, type SaveModelOptions } from './model-io.js';

import { fileCheckpointStore } from './file-checkpoint-store.js';
import type { NativeModel } from './engines/native/native-model.js';
import { registerDirectoryCheckpointStore } from './checkpoint.js';

export { fileCheckpointStore };
registerDirectoryCheckpointStore(fileCheckpointStore);
export { fileModelHandler, writeDirAtomic } from './file-io.js';

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
 * Saves a model to a directory (a `file://` URL or a plain path): model.json + weights.bin + fm.json
 * (metadata and encoder JSON), written atomically (temp dir + rename). Other URL schemes go to tfjs.
 */
export async function saveModel(model: tf.LayersModel | NativeModel, url: string, options: SaveModelOptions = {}): Promise<tf.io.SaveResult> {
  return saveModelCore(model, isRemote(url) ? url : fileModelHandler(url), options);
}

/** Loads a model directory written by {@link saveModel}; a weights/config mismatch is a clear error naming the directory. */
export async function loadModel(url: string): Promise<LoadedModel> {
  if (isRemote(url)) return loadModelCore(url);
  try {
    return await loadModelCore(fileModelHandler(url));
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.includes(url) || msg.startsWith('/') ? msg : `${url}: ${msg}`);
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
