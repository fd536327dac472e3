import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { FM_METADATA_KEY, weightSpecBytes } from './model-io.js';

/** A `file://` URL or a plain path → an absolute path. */
export function toPath(urlOrPath: string): string {
  return urlOrPath.startsWith('file://') ? fileURLToPath(urlOrPath) : resolve(urlOrPath);
}

/**
 * Writes a directory atomically: the files go to a hidden temporary sibling, which then replaces
 * `dir` by rename, so readers see the old directory or the complete new one, never a partial one.
 */
export async function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const tag = randomBytes(6).toString('hex');
  const parent = dirname(dir);
  const tmp = join(parent, `.${basename(dir)}.${tag}.tmp`);
  const old = join(parent, `.${basename(dir)}.${tag}.old`);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    for (const [name, data] of Object.entries(files)) await writeFile(join(tmp, name), data);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) await rename(dir, old);
    await rename(tmp, dir);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buf);
}

/** The files of a model directory: model.json (tfjs format), weights.bin, fm.json (metadata + encoder). */
export function modelFiles(artifacts: tf.io.ModelArtifacts): Record<string, Uint8Array | string> {
  const { [FM_METADATA_KEY]: fm, ...userRest } = (artifacts.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const modelJson: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson['trainingConfig'] = artifacts.trainingConfig;
  if (Object.keys(userRest).length > 0) modelJson['userDefinedMetadata'] = userRest;
  return {
    'model.json': JSON.stringify(modelJson),
    'weights.bin': weightBytes(artifacts.weightData),
    'fm.json': JSON.stringify(fm ?? {}, null, 2),
  };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

/** Reads a model directory written by {@link modelFiles} back into artifacts; checks the weight sizes. */
export async function readModelDir(dir: string): Promise<tf.io.ModelArtifacts> {
  const json = (await readJson(join(dir, 'model.json'))) as {
    modelTopology?: object;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    trainingConfig?: tf.io.TrainingConfig;
    userDefinedMetadata?: Record<string, unknown>;
    weightsManifest?: tf.io.WeightsManifestConfig;
  };
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${join(dir, 'model.json')}: expected a tfjs layers model.json with modelTopology and weightsManifest`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = join(dir, p);
      try {
        buffers.push(new Uint8Array(await readFile(file)));
      } catch (e) {
        throw new Error(`${file}: cannot read weights (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
  }
  const have = buffers.reduce((s, b) => s + b.byteLength, 0);
  const need = weightSpecBytes(specs);
  if (have !== need) {
    throw new Error(`${dir}: weights.bin has ${have} bytes but model.json's weightsManifest describes ${need} bytes (${specs.length} weights)`);
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer as ArrayBuffer));
  const fmPath = join(dir, 'fm.json');
  const fm = await stat(fmPath).then(
    () => readJson(fmPath),
    () => undefined,
  );
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    weightSpecs: specs,
    weightData,
    userDefinedMetadata: { ...json.userDefinedMetadata, ...(fm !== undefined && fm !== null ? { [FM_METADATA_KEY]: fm as object } : {}) },
  };
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
  return artifacts;
}

/** A tfjs IO handler for a model directory (model.json + weights.bin + fm.json), saved atomically. */
export function fileModelHandler(urlOrPath: string): tf.io.IOHandler {
  const dir = toPath(urlOrPath);
  return {
    async save(artifacts) {
      await writeDirAtomic(dir, modelFiles(artifacts));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      return readModelDir(dir);
    },
  };
}
