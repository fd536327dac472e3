import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  Encoder,
  encodeInteractions,
  parseCsvSpec,
  type CsvColumnSpec,
  type FieldConfig,
  type Interactions,
  type ItemInfo,
  type SparseDataset,
} from '@fm/data';
import { loadCsv, loadLibffm, loadLibsvm, loadMovieLens, readArrow } from '@fm/data/node';
import { CliError, UsageError } from './errors.js';

/** Input formats the commands read. */
export const INPUT_FORMATS = ['arrow', 'movielens', 'csv', 'libfm', 'libffm'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Flag spec shared by every command that reads a data file. */
export const FORMAT_OPTION = {
  type: 'enum',
  choices: INPUT_FORMATS,
  description: 'input format (default: from the file name: .arrow, u.data/ratings.dat/ratings.csv, .libfm/.libsvm, .ffm, .csv)',
} as const;
/** Flag spec for the CSV column grammar. */
export const COLUMNS_OPTION = {
  type: 'string',
  placeholder: 'SPEC',
  description: 'CSV columns, e.g. "label=rating,user:cat,item:cat,age:num,genres:multi|,ts:skip"',
} as const;

/** A data file read and encoded, with what the CLI needs around it. */
export interface LoadedInput {
  path: string;
  format: InputFormat;
  dataset: SparseDataset;
  /** The encoder that produced `dataset` (fitted here, reused, or read from the `.encoder.json` sidecar). */
  encoder?: Encoder;
  /** The raw user–item log (MovieLens-style inputs only). */
  interactions?: Interactions;
  /** Item titles by raw item id, when the source had them (u.item, movies.dat, synthetic items). */
  titles?: Map<number, string>;
  skipped: number;
  errors: string[];
}

/** `data.arrow` → `data.encoder.json`. */
export function encoderSidecar(arrowPath: string): string {
  return arrowPath.replace(/\.arrow$/i, '') + '.encoder.json';
}
/** `data.arrow` → `data.items.json` (item titles by raw id). */
export function titlesSidecar(arrowPath: string): string {
  return arrowPath.replace(/\.arrow$/i, '') + '.items.json';
}

const MOVIELENS_NAMES = /^(u\.data|u\d\.(base|test)|u[ab]\.(base|test)|ratings\.(dat|csv))$/i;

/**
 * The format of `path`: the explicit `--format`, else guessed from the name. Throws a usage error
 * (naming `--format`) when it cannot be guessed.
 */
export function detectFormat(path: string, explicit: string | undefined, command: string): InputFormat {
  if (explicit !== undefined) return explicit as InputFormat;
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  if (ext === '.arrow') return 'arrow';
  if (MOVIELENS_NAMES.test(name)) return 'movielens';
  if (ext === '.libfm' || ext === '.libsvm' || ext === '.svm') return 'libfm';
  if (ext === '.ffm' || ext === '.libffm') return 'libffm';
  if (ext === '.csv') return 'csv';
  throw new UsageError(`fm ${command}: cannot tell the format of ${path} from its name; pass --format ${INPUT_FORMATS.join('|')}`, command);
}

/** Titles map from items. */
export function titlesOf(items: Map<number, ItemInfo> | undefined): Map<number, string> | undefined {
  if (!items || items.size === 0) return undefined;
  const m = new Map<number, string>();
  for (const [id, info] of items) m.set(id, info.title);
  return m;
}

async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads a titles sidecar written by `fm encode`/`fm generate`. */
export async function readTitles(path: string): Promise<Map<number, string>> {
  const json = await readJsonFile(path);
  if (typeof json !== 'object' || json === null) throw new CliError(`${path}: expected an object of item id → title`);
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(json)) {
    const id = Number(k);
    if (!Number.isInteger(id) || typeof v !== 'string') throw new CliError(`${path}: entry "${k}" is not an item id → title pair`);
    m.set(id, v);
  }
  return m;
}

/** Options of {@link loadInput}. */
export interface LoadInputOptions {
  format?: string;
  columns?: string;
  /** A fitted encoder to reuse (a test file encoded like the training file). */
  encoder?: Encoder;
  /** Command name for messages. */
  command: string;
}

/**
 * Reads and encodes a data file. `.arrow` files are read as they are (with their sidecars);
 * raw files are parsed (errors name file:line) and encoded with `opts.encoder` or a freshly
 * fitted one.
 */
export async function loadInput(path: string, opts: LoadInputOptions): Promise<LoadedInput> {
  if (!existsSync(path)) throw new CliError(`${path}: no such file`);
  const format = detectFormat(path, opts.format, opts.command);
  switch (format) {
    case 'arrow': {
      const dataset = await readArrow(path);
      const side = encoderSidecar(path);
      let encoder = opts.encoder;
      if (!encoder && existsSync(side)) {
        try {
          encoder = Encoder.fromJSON(await readJsonFile(side));
        } catch (e) {
          throw new CliError(`${side}: ${(e as Error).message}`);
        }
      }
      if (encoder && !encoder.schema.equals(dataset.schema)) {
        throw new CliError(
          `${path}: its fields (${describeSchema(dataset.schema)}) differ from the encoder's (${describeSchema(encoder.schema)})`,
        );
      }
      const tpath = titlesSidecar(path);
      const titles = existsSync(tpath) ? await readTitles(tpath) : undefined;
      return { path, format, dataset, ...(encoder ? { encoder } : {}), ...(titles ? { titles } : {}), skipped: 0, errors: [] };
    }
    case 'movielens': {
      const ml = await loadMovieLens(path);
      const { dataset, encoder } = encodeInteractions(ml.interactions, opts.encoder ? { encoder: opts.encoder } : {});
      const titles = titlesOf(ml.items);
      return {
        path,
        format,
        dataset,
        encoder,
        interactions: ml.interactions,
        ...(titles ? { titles } : {}),
        skipped: ml.skipped,
        errors: ml.errors,
      };
    }
    case 'csv': {
      if (!opts.columns) {
        throw new UsageError(`fm ${opts.command}: --columns is required for CSV input (e.g. "label=rating,user:cat,item:cat")`, opts.command);
      }
      let spec;
      try {
        spec = parseCsvSpec(opts.columns);
      } catch (e) {
        throw new UsageError(`fm ${opts.command}: --columns: ${(e as Error).message}`, opts.command);
      }
      const { frame, labels, skipped, errors } = await loadCsv(path, spec);
      const encoder = opts.encoder ?? Encoder.fit(frame, csvFieldConfigs(spec));
      const dataset = encoder.transform(frame, labels);
      return { path, format, dataset, encoder, skipped, errors };
    }
    case 'libfm': {
      const r = await loadLibsvm(path);
      return { path, format, dataset: r.dataset, skipped: r.skipped, errors: r.errors };
    }
    case 'libffm': {
      const r = await loadLibffm(path, opts.encoder ? { encoder: opts.encoder } : {});
      return { path, format, dataset: r.dataset, ...(r.encoder ? { encoder: r.encoder } : {}), skipped: r.skipped, errors: r.errors };
    }
  }
}

/** Encoder fields for a CSV spec: cat → categorical, num → numeric, multi → multi-hot; skip dropped. */
export function csvFieldConfigs(spec: CsvColumnSpec): FieldConfig[] {
  const kinds = { cat: 'categorical', num: 'numeric', multi: 'multi-hot' } as const;
  return spec.columns.flatMap((c) => (c.kind === 'skip' ? [] : [{ name: c.name, kind: kinds[c.kind] }]));
}

/** `user:categorical(944), item:categorical(1683)`. */
export function describeSchema(schema: SparseDataset['schema']): string {
  return schema.fields.map((f) => `${f.name}:${f.kind}(${f.cardinality})`).join(', ');
}
