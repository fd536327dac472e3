import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic } from './atomic.js';
import { CliError } from './errors.js';

/** Format tag of `fm.json`. */
export const MODEL_META_FORMAT = 'fm-model/1';

/** What `fm.json` in a model directory holds next to the tfjs `model.json` + `weights.bin`. */
export interface ModelMeta {
  format: typeof MODEL_META_FORMAT;
  /** Model kind: fm | ffm | afm | mf | nfm | deepfm | lr. */
  kind: string;
  task: 'regression' | 'binary' | 'ranking';
  fieldDims: number[];
  fieldNames: string[];
  /** The training data's FieldSchema JSON (names, kinds, cardinalities). */
  schema: { fields: { name: string; kind: string; cardinality: number }[] };
  /** Mean training label (regression). */
  labelMean?: number;
  /** Smallest and largest training label; predictions are clipped to it for display. */
  labelRange?: [number, number];
  /** The `@fm/data` Encoder JSON, so raw ids can be scored later. */
  encoder?: unknown;
  /** Item titles by raw item id. */
  titles?: Record<string, string>;
  /** How the model was trained (flags, figures). */
  training?: Record<string, unknown>;
  createdAt: string;
}

/**
 * Saves a tfjs model and its metadata into `dir` atomically (a temp dir renamed into place):
 * `model.json` (topology + weights manifest), `weights.bin`, `fm.json` ({@link ModelMeta}).
 */
export async function saveModelDir(dir: string, model: tf.LayersModel, meta: ModelMeta): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        const weights = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
        const modelJson = {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        await writeFile(join(tmp, 'model.json'), JSON.stringify(modelJson));
        await writeFile(join(tmp, 'weights.bin'), new Uint8Array(weights));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
      }),
    );
    await writeFile(join(tmp, 'fm.json'), JSON.stringify(meta, null, 1));
  });
}

/** A model directory read back. */
export interface LoadedModel {
  model: tf.LayersModel;
  meta: ModelMeta;
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Loads a model directory written by {@link saveModelDir}. Missing files, malformed JSON and
 * weights that do not match the topology are errors naming the file.
 */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  if (!existsSync(dir)) throw new CliError(`${dir}: no such model directory`);
  for (const f of ['model.json', 'weights.bin', 'fm.json']) {
    if (!existsSync(join(dir, f))) throw new CliError(`${join(dir, f)}: missing (not a model directory written by fm train)`);
  }
  const meta = (await readJson(join(dir, 'fm.json'))) as ModelMeta;
  if (meta?.format !== MODEL_META_FORMAT) {
    throw new CliError(`${join(dir, 'fm.json')}: expected "format": "${MODEL_META_FORMAT}", got ${JSON.stringify(meta?.format)}`);
  }
  const modelJson = (await readJson(join(dir, 'model.json'))) as {
    modelTopology?: object;
    weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new CliError(`${join(dir, 'model.json')}: expected "modelTopology" and "weightsManifest"`);
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const bin = await readFile(join(dir, 'weights.bin'));
  const expected = weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bin.byteLength !== expected) {
    throw new CliError(`${join(dir, 'weights.bin')}: ${bin.byteLength} bytes, but model.json describes ${expected} bytes of weights`);
  }
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
    return { model, meta };
  } catch (e) {
    throw new CliError(`${dir}: cannot load the model (${(e as Error).message})`, { cause: e });
  }
}
