import { Encoder, FieldSchema } from '@fm/data';
import { join } from 'node:path';
import { CliError } from './errors.js';
import { loadModelDir, type LoadedModel } from './model-store.js';

/** A model directory with its encoder and titles decoded. */
export interface ModelBundle extends LoadedModel {
  dir: string;
  encoder?: Encoder;
  /** The schema the model was trained on. */
  schema: FieldSchema;
  titles: Map<number, string>;
}

/** Loads a model dir written by `fm train` and decodes its encoder and titles. */
export async function loadModelBundle(dir: string): Promise<ModelBundle> {
  const loaded = await loadModelDir(dir);
  let encoder: Encoder | undefined;
  if (loaded.meta.encoder !== undefined) {
    try {
      encoder = Encoder.fromJSON(loaded.meta.encoder);
    } catch (e) {
      throw new CliError(`${join(dir, 'fm.json')}: bad "encoder": ${(e as Error).message}`);
    }
  }
  let schema: FieldSchema;
  try {
    schema = FieldSchema.fromJSON(loaded.meta.schema);
  } catch (e) {
    throw new CliError(`${join(dir, 'fm.json')}: bad "schema": ${(e as Error).message}`);
  }
  const titles = new Map<number, string>();
  for (const [k, t] of Object.entries(loaded.meta.titles ?? {})) titles.set(Number(k), t);
  return { ...loaded, dir, schema, ...(encoder ? { encoder } : {}), titles };
}

/** Title of a raw item id, or '' when unknown. */
export function titleOf(bundle: ModelBundle, raw: string | number): string {
  return bundle.titles.get(Number(raw)) ?? '';
}
