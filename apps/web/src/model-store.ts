import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel, type LoadedModel } from '@fm/train';
import type { PreparedData } from './prepare.js';
import type { SessionConfig } from './session.js';

/** Where "Save to browser" keeps the model. */
export const IDB_URL = 'indexeddb://fm-web-model';
/** File name prefix of downloads (`fm-model.json` + `fm-model.weights.bin`). */
export const DOWNLOAD_URL = 'downloads://fm-model';

/** What is stored next to the weights so a loaded model can be checked against the page's data. */
export interface PageMeta {
  data: string;
  model: SessionConfig['model'];
  embeddingDim: number;
  seed: number;
  task: PreparedData['task'];
}

function pageMeta(config: SessionConfig, prepared: PreparedData): PageMeta {
  return { data: prepared.name, model: config.model, embeddingDim: config.embeddingDim, seed: config.seed, task: prepared.task };
}

/** Saves the model (with @fm/train metadata) to IndexedDB or as a download. */
export async function storeModel(model: tf.LayersModel, where: 'indexeddb' | 'download', config: SessionConfig, prepared: PreparedData): Promise<void> {
  await saveModel(model, where === 'indexeddb' ? IDB_URL : DOWNLOAD_URL, { meta: { task: prepared.task, page: pageMeta(config, prepared) } });
}

/** Loads the model saved in IndexedDB, or from chosen files (model.json + weights). */
export async function restoreModel(from: 'indexeddb' | File[]): Promise<LoadedModel> {
  if (from === 'indexeddb') {
    const models = await tf.io.listModels();
    if (!(IDB_URL in models)) throw new Error('no model saved in this browser yet: train one and press "Save to browser"');
    return loadModel(IDB_URL);
  }
  const json = from.find((f) => f.name.endsWith('.json'));
  const weights = from.filter((f) => !f.name.endsWith('.json'));
  if (!json || weights.length === 0) throw new Error('choose the model .json file and its .bin weights file together');
  return loadModel(tf.io.browserFiles([json, ...weights]));
}

/** Throws unless the loaded model's field sizes match the data on the page. */
export function checkCompatible(loaded: LoadedModel, prepared: PreparedData): void {
  const dims = loaded.meta.fieldDims;
  const have = prepared.dataset.schema.fieldDims;
  if (dims.length !== have.length || dims.some((d, i) => d !== have[i])) {
    const page = (loaded.meta['page'] as PageMeta | undefined)?.data ?? 'other data';
    throw new Error(`the loaded model was trained on "${page}" with field sizes [${dims.join(', ')}]; the page's data "${prepared.name}" has [${have.join(', ')}]. Select the same data first.`);
  }
}
