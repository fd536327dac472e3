import { stat } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { Encoder, FieldSchema } from '@fm/data';
import type { ModelMeta } from '@fm/train';
import { loadModel, saveModel } from '@fm/train/node';
import { CliError } from './errors.js';
import type { Task } from './modeling.js';

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
  model: tf.LayersModel,
  meta: CliModelMeta,
  extra: { encoder?: Encoder; pairs?: UserItemPairs & { userField: string; itemField: string } } = {},
): Promise<void> {
  const files: Record<string, Uint8Array> = {};
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

/** A model directory loaded for the CLI. */
export interface ModelBundle {
  dir: string;
  model: tf.LayersModel;
  meta: CliModelMeta & { kind: string; fieldDims: number[] };
  encoder?: Encoder;
  /** The schema the model was trained on. */
  schema: FieldSchema;
  titles: Map<number, string>;
  /** The training pairs recorded in the directory, when it has them. */
  trainPairs?: UserItemPairs;
}

/**
 * Loads a model directory written by `fm train`, `saveModel` of `@fm/train/node` or an older fm, and
 * decodes its encoder, schema, titles and training interactions. Errors name the directory.
 */
export async function loadModelBundle(dir: string, flag = '--model'): Promise<ModelBundle> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new CliError(`${flag} ${dir}: no such model directory`);
  if (!st.isDirectory()) throw new CliError(`${flag} ${dir}: is a file, expected a model directory (written by fm train)`);
  let loaded;
  try {
    loaded = await loadModel(dir);
  } catch (e) {
    throw new CliError(`${flag} ${dir}: ${(e as Error).message.replace(`${dir}: `, '')}`, { cause: e });
  }
  const meta = loaded.meta as ModelBundle['meta'];
  let encoder: Encoder | undefined;
  if (loaded.encoder !== undefined) {
    try {
      encoder = Encoder.fromJSON(loaded.encoder);
    } catch (e) {
      throw new CliError(`${dir}: bad encoder: ${(e as Error).message}`);
    }
  }
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
  const bundle: ModelBundle = { dir, model: loaded.model, meta, schema, titles, ...(encoder ? { encoder } : {}) };
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
export function titleOf(bundle: ModelBundle, raw: string | number): string {
  return bundle.titles.get(Number(raw)) ?? '';
}
