import { stat } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { Encoder, FieldSchema } from '@fm/data';
import { isNativeModel, nativeBackend, type ModelMeta, type NativeModel } from '@fm/train';
import { loadModel, loadModelEncoder, loadNativeModel, saveModel } from '@fm/train/node';
import { CliError } from './errors.js';
import type { Task } from './modeling.js';
import { SIDE_FILE, sideBundleFromBytes, sideBundleToBytes, type SideBundle } from './side-features.js';

/** The training interactions a model directory records (`interactions.bin`), for sampled evaluation. */
export interface InteractionsRecord {
  file: 'interactions.bin';
  /** Number of (user, item) pairs. */
  rows: number;
  userField: string;
  itemField: string;
}

/** What the `fm` command keeps in a model's metadata (the `@fm/train` format, shared with the library and the web page). */
export interface CliModelMeta extends Partial<ModelMeta> {
  task: Task;
  schema: { fields: { name: string; kind: string; cardinality: number }[] };
  labelMean?: number;
  ratingRange?: [number, number];
  titles?: Record<string, string>;
  training?: Record<string, unknown>;
  interactions?: InteractionsRecord;
  createdAt?: string;
}

/** The training pairs as field-local ids. */
export interface UserItemPairs {
  user: Int32Array;
  item: Int32Array;
}

/**
 * Saves a model directory through `@fm/train/node` (one unit: the old model stays complete until the
 * new one is), with the encoder, the metadata and, when given, the training (user, item) pairs.
 */
export async function saveModelDir(
  dir: string,
  model: tf.LayersModel | NativeModel,
  meta: CliModelMeta,
  extra: { encoder?: Encoder; pairs?: UserItemPairs & { userField: string; itemField: string }; side?: SideBundle } = {},
): Promise<void> {
  const files: Record<string, Uint8Array> = {};
  if (extra.side) files[SIDE_FILE] = sideBundleToBytes(extra.side);
  const full: CliModelMeta = { ...meta, createdAt: new Date().toISOString() };
  if (extra.pairs) {
    const n = extra.pairs.user.length;
    const packed = new Int32Array(2 * n);
    for (let r = 0; r < n; r++) {
      packed[2 * r] = extra.pairs.user[r] as number;
      packed[2 * r + 1] = extra.pairs.item[r] as number;
    }
    files['interactions.bin'] = new Uint8Array(packed.buffer);
    full.interactions = { file: 'interactions.bin', rows: n, userField: extra.pairs.userField, itemField: extra.pairs.itemField };
  }
  await saveModel(model, dir, { meta: full, ...(extra.encoder ? { encoder: extra.encoder.toJSON() } : {}), files });
}

/** A model directory loaded for the CLI: a tfjs model, or for scoring an LR/FM/FFM/MF model a {@link NativeModel}. */
export interface ModelBundle<M extends tf.LayersModel | NativeModel = tf.LayersModel> {
  dir: string;
  model: M;
  meta: CliModelMeta & { kind: string; fieldDims: number[] };
  encoder?: Encoder;
  /** The schema the model was trained on. */
  schema: FieldSchema;
  titles: Map<number, string>;
  /** The training pairs recorded in the directory, when it has them. */
  trainPairs?: UserItemPairs;
  /** The side features the encoder adds (`fm train --features/--user-features/--item-features`). */
  side?: SideBundle;
}

/**
 * Loads a model directory written by `fm train`, `saveModel` of `@fm/train/node` or an older fm, and
 * decodes its encoder, schema, titles and training interactions. Errors name the directory.
 */
export async function loadModelBundle(dir: string, flag = '--model'): Promise<ModelBundle> {
  return bundleOf(dir, await readModelDirAs(dir, flag, loadModel));
}

/**
 * {@link loadModelBundle} for scoring: an LR, FM, FFM or MF model on the cpu or wasm backend (`nativeBackend`) loads as a
 * {@link NativeModel} (see {@link loadNativeBundle}), any other as a tfjs model.
 */
export async function loadScoringBundle(dir: string, backend: string, flag = '--model'): Promise<ModelBundle<tf.LayersModel | NativeModel>> {
  return nativeBackend(backend) ? loadNativeBundle(dir, flag) : loadModelBundle(dir, flag);
}

/**
 * An LR, FM, FFM or MF model directory as a {@link NativeModel} (its weights read from disk straight into the native
 * kernels' arrays: a big table is held once, and no tfjs copy is made); any other model as a tfjs model.
 */
export async function loadNativeBundle(dir: string, flag = '--model'): Promise<ModelBundle<tf.LayersModel | NativeModel>> {
  const loaded = await readModelDirAs(dir, flag, loadNativeModel);
  return loaded ? bundleOf(dir, loaded) : loadModelBundle(dir, flag);
}

/** The encoder a model directory keeps (undefined when none), read without the model's weights (`fm encode --encoder`). */
export async function loadEncoderOf(dir: string, flag: string): Promise<Encoder | undefined> {
  const json = await readModelDirAs(dir, flag, loadModelEncoder);
  return json === undefined ? undefined : decodeEncoder(dir, json);
}

/** An encoder from its saved JSON; an error names the directory. */
function decodeEncoder(dir: string, json: unknown): Encoder {
  try {
    return Encoder.fromJSON(json);
  } catch (e) {
    throw new CliError(`${dir}: bad encoder: ${(e as Error).message}`);
  }
}

/** Frees a loaded model's tensors (a {@link NativeModel} holds none: its arrays go with it). */
export function disposeModel(model: tf.LayersModel | NativeModel): void {
  if (!isNativeModel(model)) model.dispose();
}

/** `load(dir)` of a model directory, its errors naming the flag and the directory. */
export async function readModelDirAs<T>(dir: string, flag: string, load: (dir: string) => Promise<T>): Promise<T> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new CliError(`${flag} ${dir}: no such model directory`);
  if (!st.isDirectory()) throw new CliError(`${flag} ${dir}: is a file, expected a model directory (written by fm train)`);
  try {
    return await load(dir);
  } catch (e) {
    throw new CliError(`${flag} ${dir}: ${(e as Error).message.replace(`${dir}: `, '')}`, { cause: e });
  }
}

/** The bundle of a loaded model directory: its encoder, schema, titles, side features and training pairs decoded. */
function bundleOf<M extends tf.LayersModel | NativeModel>(dir: string, loaded: { model: M; meta: ModelMeta; encoder?: unknown; files?: Record<string, Uint8Array> }): ModelBundle<M> {
  const meta = loaded.meta as ModelBundle['meta'];
  const encoder = loaded.encoder !== undefined ? decodeEncoder(dir, loaded.encoder) : undefined;
  let schema: FieldSchema;
  try {
    schema = meta.schema ? FieldSchema.fromJSON(meta.schema) : encoder ? encoder.schema : new FieldSchema(meta.fieldDims.map((c, i) => ({ name: `f${i}`, kind: 'categorical', cardinality: c })));
  } catch (e) {
    throw new CliError(`${dir}: bad "schema": ${(e as Error).message}`);
  }
  if (encoder && !encoder.schema.equals(schema)) throw new CliError(`${dir}: the encoder's fields do not match the model's schema`);
  const titles = new Map<number, string>();
  for (const [k, t] of Object.entries(meta.titles ?? {})) titles.set(Number(k), t);
  if (!meta.task) meta.task = 'regression';
  const bundle: ModelBundle<M> = { dir, model: loaded.model, meta, schema, titles, ...(encoder ? { encoder } : {}) };
  const sideBytes = loaded.files?.[SIDE_FILE];
  if (sideBytes) bundle.side = sideBundleFromBytes(sideBytes, `${dir}: ${SIDE_FILE}`);
  const rec = meta.interactions;
  const bytes = rec ? loaded.files?.[rec.file] : undefined;
  if (rec && bytes) {
    if (bytes.byteLength !== rec.rows * 8) throw new CliError(`${dir}: ${rec.file} has ${bytes.byteLength} bytes, expected ${rec.rows * 8} (${rec.rows} pairs)`);
    const packed = new Int32Array(bytes.slice().buffer);
    const user = new Int32Array(rec.rows);
    const item = new Int32Array(rec.rows);
    for (let r = 0; r < rec.rows; r++) {
      user[r] = packed[2 * r] as number;
      item[r] = packed[2 * r + 1] as number;
    }
    bundle.trainPairs = { user, item };
  }
  return bundle;
}

/** Title of a raw item id, or '' when unknown. */
export function titleOf(bundle: Pick<ModelBundle, 'titles'>, raw: string | number): string {
  return bundle.titles.get(Number(raw)) ?? '';
}
