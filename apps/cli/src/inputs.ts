import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import {
  datasetFromIPC,
  Encoder,
  encodeInteractions,
  parseCsvSpec,
  type CsvColumnSpec,
  csvFieldConfigs,
  type HashingConfig,
  type HashReport,
  type Interactions,
  type ItemInfo,
  type MovieLensRatingsFormat,
  type SparseDataset,
} from '@fm/data';
import { cleanLeftovers, loadCsv, loadLibffm, loadLibsvm, loadMovieLens, loadParquet, parquetFiles, sniffFile } from '@fm/data/node';
import { encodeThroughShards, readShardInput } from './shard-encode.js';
import { isShardDir } from './shard-input.js';
import { CliError, UsageError } from './errors.js';
import { countSideMissing, describeSideMissing, joinCsvSide, movieLensSideOptions, type SideBundle, type SideMissing } from './side-features.js';
import type { CommandContext } from './context.js';

/** Input formats the commands read. */
export const INPUT_FORMATS = ['arrow', 'movielens', 'csv', 'parquet', 'libfm', 'libffm'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** A format as read: an input format, or a shard directory (detected by its manifest; no flag names it). */
export type LoadedFormat = InputFormat | 'shards';

/** Flag spec shared by every command that reads a data file. */
export const FORMAT_OPTION = {
  type: 'enum',
  choices: INPUT_FORMATS,
  description:
    'input format; wins over the file name (default: from the name — .arrow, u.data/ratings.dat/ratings.csv, .libfm/.libsvm, .ffm, .csv, .parquet or a folder of .parquet parts — else from the content; a shard directory is found by its manifest)',
} as const;
/** Flag spec for the CSV column grammar. */
export const COLUMNS_OPTION = {
  type: 'string',
  placeholder: 'SPEC',
  description: 'CSV/Parquet columns, e.g. "label=rating,user:cat,item:cat,age:num,genres:multi|,ts:skip" (num columns min-max scaled; scale=standard|log|none)',
} as const;
/** Flag spec for 0-based libFM/libsvm files. */
export const ZERO_BASED_OPTION = {
  type: 'boolean',
  description: 'libFM/libsvm indices start at 0 (detected anyway: indices are categorical ids)',
} as const;

/** The input formats that read each format-specific flag. */
const FLAG_FORMATS: Readonly<Record<'--columns' | '--zero-based', readonly LoadedFormat[]>> = {
  '--columns': ['csv', 'parquet'],
  '--zero-based': ['libfm'],
};

/**
 * `--columns` and `--zero-based` given while no input of the command is of a format that reads them (CSV/Parquet;
 * libFM) is a usage error naming the flag and the inputs' formats: they were silently ignored. Run before anything
 * is read: formats come from `--format`, the names and the first lines ({@link resolveFormat}); a path whose format
 * cannot be told is left to its own load to report. ("synthetic" is `fm train`'s generated data.)
 */
/** The --format, --columns and --zero-based flags of a command as {@link LoadInputOptions} (flags not given left out). */
export function formatFlags(given: { format?: string | undefined; columns?: string | undefined; 'zero-based'?: boolean | undefined }): Pick<LoadInputOptions, 'format' | 'columns' | 'zeroBased'> {
  return {
    ...(given.format !== undefined ? { format: given.format } : {}),
    ...(given.columns !== undefined ? { columns: given.columns } : {}),
    ...(given['zero-based'] !== undefined ? { zeroBased: given['zero-based'] } : {}),
  };
}

export async function checkFormatFlags(
  command: string,
  given: { format?: string | undefined; columns?: string | undefined; 'zero-based'?: boolean | undefined },
  paths: readonly (string | undefined)[],
): Promise<void> {
  const used = { '--columns': given.columns !== undefined, '--zero-based': given['zero-based'] === true };
  if (!used['--columns'] && !used['--zero-based']) return;
  const inputs: { path: string; format: LoadedFormat | 'synthetic' | undefined }[] = [];
  for (const path of paths) {
    if (path === undefined) continue;
    if (path === 'synthetic' && command === 'train') inputs.push({ path, format: 'synthetic' });
    else if (await isShardDir(path)) inputs.push({ path, format: 'shards' });
    else inputs.push({ path, format: await resolveFormat(path, given.format, command, given.columns).then((r) => r.format, () => undefined) });
  }
  if (inputs.some((i) => i.format === undefined)) return;
  for (const flag of ['--columns', '--zero-based'] as const) {
    if (!used[flag] || inputs.some((i) => FLAG_FORMATS[flag].includes(i.format as LoadedFormat))) continue;
    const what = inputs.map((i) => (i.format === 'synthetic' ? 'synthetic data is generated' : `${i.path} is ${i.format === 'shards' ? 'a shard directory' : i.format}`)).join(', ');
    throw new UsageError(`fm ${command}: ${flag} applies to ${FLAG_FORMATS[flag].join(' and ')} input; ${what || 'no input file is given'}`, command);
  }
}

/** How many feature values of a file encoded with a saved encoder were unseen in training. */
export interface UnseenReport {
  /** Feature values (slots) that went to an out-of-vocabulary bucket. */
  values: number;
  /** Rows with at least one such value. */
  rows: number;
  /** Per field name, the values that went to its bucket. */
  byField: Record<string, number>;
}

/** A data file read and encoded, with what the CLI needs around it. */
export interface LoadedInput {
  path: string;
  /** The file actually read (a MovieLens folder's ratings file; else `path`). */
  source: string;
  format: LoadedFormat;
  /** MovieLens inputs: the ratings layout read. */
  layout?: MovieLensRatingsFormat;
  dataset: SparseDataset;
  /** The encoder that produced `dataset` (fitted here, reused, or read from the `.encoder.json` sidecar). */
  encoder?: Encoder;
  /** The raw user–item log (MovieLens-style inputs only). */
  interactions?: Interactions;
  /** Item titles by raw item id, when the source had them (u.item, movies.dat, synthetic items). */
  titles?: Map<number, string>;
  /** libFM inputs: the file has index 0. */
  zeroBased?: boolean;
  /** When a saved encoder was reused: the values it had not seen (scored through the OOV bucket). */
  unseen?: UnseenReport;
  /** With hashing: the collisions seen while encoding. */
  hashReport?: HashReport;
  /** With side features: rows whose id a side table lacks (they get empty attributes). */
  sideMissing?: SideMissing;
}

/** `data.arrow` → `data.encoder.json`. */
export function encoderSidecar(arrowPath: string): string {
  return arrowPath.replace(/\.arrow$/i, '') + '.encoder.json';
}
/** `data.arrow` → `data.items.json` (item titles by raw id). */
export function titlesSidecar(arrowPath: string): string {
  return arrowPath.replace(/\.arrow$/i, '') + '.items.json';
}

const MOVIELENS_NAMES: Record<string, MovieLensRatingsFormat> = { 'u.data': 'u.data', 'ratings.dat': 'ratings.dat', 'ratings.csv': 'ratings.csv' };

/** The MovieLens layout a file name implies (`u.data`, `ua.base`, `u1.test`, `ratings.dat`, `ratings.csv`). */
function layoutOfName(name: string): MovieLensRatingsFormat | undefined {
  const n = name.toLowerCase();
  if (/^u[a-z0-9]*\.(base|test)$/.test(n)) return 'u.data';
  return MOVIELENS_NAMES[n];
}

/** A format and (MovieLens) layout, and how it was decided. */
export interface ResolvedFormat {
  format: InputFormat;
  layout?: MovieLensRatingsFormat;
}

/**
 * The format of an input file: `--format` wins; else the file name (`.arrow`, MovieLens names,
 * `.libfm`/`.libsvm`/`.svm`, `.ffm`/`.libffm`, `.csv` with `--columns`); else its content (MovieLens
 * tab / `::` / csv, libFM, libffm). A MovieLens layout always comes from the content when the name
 * does not say it, so `train.tsv` written by `fm split` reads back. Throws a usage error naming
 * `--format` when nothing tells.
 */
export async function resolveFormat(path: string, explicit: string | undefined, command: string, columns?: string): Promise<ResolvedFormat> {
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const st = await stat(path).catch(() => undefined);
  const isDir = st?.isDirectory() === true;
  const sniffed = st?.isFile() ? await sniffFile(path).catch(() => undefined) : undefined;
  const mlLayout = (): MovieLensRatingsFormat =>
    layoutOfName(name) ?? (sniffed?.format === 'movielens' ? sniffed.layout : ext === '.csv' ? 'ratings.csv' : ext === '.dat' ? 'ratings.dat' : 'u.data');
  if (explicit !== undefined) {
    const format = explicit as InputFormat;
    return format === 'movielens' && !isDir ? { format, layout: mlLayout() } : { format };
  }
  if (isDir) return { format: (await parquetFiles(path).then(() => true, () => false)) && !(await hasMovieLensFile(path)) ? 'parquet' : 'movielens' };
  if (ext === '.parquet') return { format: 'parquet' };
  if (ext === '.arrow') return { format: 'arrow' };
  const named = layoutOfName(name);
  if (named) return { format: 'movielens', layout: named };
  if (ext === '.libfm' || ext === '.libsvm' || ext === '.svm') return { format: 'libfm' };
  if (ext === '.ffm' || ext === '.libffm') return { format: 'libffm' };
  if (ext === '.csv' && columns !== undefined) return { format: 'csv' };
  if (sniffed?.format === 'movielens') return { format: 'movielens', layout: sniffed.layout };
  if (sniffed) return { format: sniffed.format };
  if (ext === '.csv') return { format: 'csv' };
  throw new UsageError(
    `fm ${command}: cannot tell the format of ${path} from its name or its first lines; pass --format ${INPUT_FORMATS.join('|')}`,
    command,
  );
}

async function hasMovieLensFile(dir: string): Promise<boolean> {
  return (await readdir(dir)).some((n) => MOVIELENS_NAMES[n]);
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

/** The sidecars' record of the `.arrow` file they belong to. */
export interface DatasetStamp {
  rows: number;
  sha256: string;
}

/** The stamp of `.arrow` bytes: sidecars carry it, so a sidecar of another version is caught. */
export function datasetStamp(bytes: Uint8Array, rows: number): DatasetStamp {
  return { rows, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Titles sidecar JSON: `{ format, dataset, titles: { rawId: title } }` (older ones: the titles object alone). */
export function titlesJson(titles: Map<number, string>, stamp: DatasetStamp): string {
  return JSON.stringify({ format: 'fm-items/1', dataset: stamp, titles: Object.fromEntries(titles) });
}

/** Reads a titles sidecar written by `fm encode`/`fm generate`/`fm split`. */
export async function readTitles(path: string): Promise<{ titles: Map<number, string>; stamp?: DatasetStamp }> {
  const json = (await readJsonFile(path)) as Record<string, unknown> | null;
  if (typeof json !== 'object' || json === null) throw new CliError(`${path}: expected an object of item id → title`);
  const tagged = json['format'] === 'fm-items/1';
  const obj = (tagged ? json['titles'] : json) as Record<string, unknown>;
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(obj ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || typeof v !== 'string') throw new CliError(`${path}: entry "${k}" is not an item id → title pair`);
    m.set(id, v);
  }
  return { titles: m, ...(tagged ? { stamp: json['dataset'] as DatasetStamp } : {}) };
}

/** Options of {@link loadInput}. */
export interface LoadInputOptions {
  format?: string;
  columns?: string;
  /** A fitted encoder to reuse (a test file encoded like the training file); unseen values are counted. */
  encoder?: Encoder;
  /** Command name for messages. */
  command: string;
  /** The flag that named the file, for messages (default `--data`). */
  flag?: string;
  zeroBased?: boolean;
  /** Stops reading on Ctrl-C. */
  signal?: AbortSignal;
  /** With `encoder`: grow its vocabularies with the file's new values (a warm start) instead of sending them to the OOV bucket. */
  grow?: boolean;
  /** Hash categorical fields instead of fitting vocabularies (raw CSV, Parquet, libFM, libFFM files). */
  hashing?: HashingConfig;
  /** Side features to add (MovieLens `--features`, user/item attribute tables); MovieLens and CSV inputs only. */
  side?: SideBundle;
}

/**
 * Checks an input path before any work: it exists and is a file (a folder only for MovieLens).
 * Errors name the flag and the path.
 */
export async function checkInputPath(path: string, flag: string, allowDir = false): Promise<void> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    throw new CliError(`${flag} ${path}: ${st.code === 'ENOENT' ? 'no such file' : st.code === 'EACCES' ? 'permission denied' : st.message}`);
  }
  if (st.isDirectory() && !allowDir) throw new CliError(`${flag} ${path}: is a directory, expected a file`);
}

/** Feature values of `ds` in an out-of-vocabulary bucket (local id 0 of a categorical or multi-hot field). */
export function countUnseen(ds: SparseDataset): UnseenReport {
  const { schema } = ds;
  const oovId = new Int32Array(schema.numFields).fill(-1);
  schema.fields.forEach((f, i) => {
    if (f.kind !== 'numeric') oovId[i] = schema.offsets[i] as number;
  });
  const perField = new Float64Array(schema.numFields);
  let values = 0;
  let rows = 0;
  for (let r = 0; r < ds.numRows; r++) {
    let hit = false;
    for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) {
      const f = ds.fields[j] as number;
      if (ds.ids[j] === oovId[f]) {
        perField[f] = (perField[f] as number) + 1;
        values++;
        hit = true;
      }
    }
    if (hit) rows++;
  }
  const byField: Record<string, number> = {};
  schema.fields.forEach((f, i) => {
    if ((perField[i] as number) > 0) byField[f.name] = perField[i] as number;
  });
  return { values, rows, byField };
}

/** One line saying how many values of a file the training data never had. */
export function describeUnseen(path: string, u: UnseenReport, rows: number): string | undefined {
  if (u.values === 0) return undefined;
  const fields = Object.entries(u.byField).map(([n, c]) => `${n} ${c.toLocaleString('en-US')}`).join(', ');
  return `${path}: ${u.rows.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows have values unseen in training (${fields}); they are scored through the out-of-vocabulary bucket`;
}

async function loadArrow(path: string, opts: LoadInputOptions): Promise<Omit<LoadedInput, 'path' | 'format' | 'source'>> {
  await cleanLeftovers(dirname(path)); // a set left half-committed by a killed run, its temporaries
  const bytes = await readFile(path);
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let dataset: SparseDataset;
  try {
    dataset = datasetFromIPC(view);
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
  const stamp = datasetStamp(view, dataset.numRows);
  const stale = (side: string, s: DatasetStamp | undefined) => {
    if (s && s.sha256 !== stamp.sha256) {
      throw new CliError(`${side} belongs to another version of ${path} (the .arrow file was replaced without it); write them again together (fm encode / fm split)`);
    }
  };
  let encoder = opts.encoder;
  const side = encoderSidecar(path);
  if (!encoder && existsSync(side)) {
    const json = (await readJsonFile(side)) as { dataset?: DatasetStamp };
    stale(side, json?.dataset);
    try {
      encoder = Encoder.fromJSON(json);
    } catch (e) {
      throw new CliError(`${side}: ${(e as Error).message}`);
    }
  }
  if (encoder && !encoder.schema.equals(dataset.schema)) {
    throw new CliError(`${path}: its fields (${describeSchema(dataset.schema)}) differ from the encoder's (${describeSchema(encoder.schema)})`);
  }
  const tpath = titlesSidecar(path);
  let titles: Map<number, string> | undefined;
  if (existsSync(tpath)) {
    const t = await readTitles(tpath);
    stale(tpath, t.stamp);
    titles = t.titles;
  }
  return { dataset, ...(encoder ? { encoder } : {}), ...(titles ? { titles } : {}) };
}

/** Throws the error of a file without data rows, saying whether it is empty. */
async function noRows(path: string): Promise<never> {
  const size = (await stat(path)).size;
  throw new CliError(`${path}: no data rows (${size === 0 ? 'the file is empty' : 'only blank lines or a header'})`);
}

/**
 * Reads and encodes a data file. `.arrow` files are read as they are (with their sidecars, checked
 * to belong to them); raw files are parsed (errors name file:line) and encoded with `opts.encoder`
 * or a freshly fitted one. An empty file or one without data rows is an error naming the file.
 */
export async function loadInput(path: string, opts: LoadInputOptions): Promise<LoadedInput> {
  const flag = opts.flag ?? '--data';
  await checkInputPath(path, flag, true);
  if (await isShardDir(path)) {
    if (opts.hashing || opts.grow) throw new UsageError(`fm ${opts.command}: ${flag} ${path} is already encoded (a shard directory); --hash-bits and growing apply when encoding (fm encode --shards)`, opts.command);
    const r = await readShardInput(path, flag, opts.encoder);
    return { path, source: path, format: 'shards', ...r, ...(opts.encoder ? { unseen: countUnseen(r.dataset) } : {}) };
  }
  const { format, layout } = await resolveFormat(path, opts.format, opts.command, opts.columns);
  if (format !== 'movielens' && format !== 'parquet') await checkInputPath(path, flag);
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (opts.grow && !opts.encoder) throw new Error('loadInput: grow needs an encoder');
  if (opts.hashing || opts.grow) {
    if (opts.side) throw new UsageError(`fm ${opts.command}: side features do not go with ${opts.hashing ? '--hash-bits' : '--init-from'} yet`, opts.command);
    if (format === 'arrow' || format === 'movielens') {
      throw new UsageError(
        `fm ${opts.command}: ${opts.hashing ? '--hash-bits' : 'growing the vocabularies of --init-from'} needs a raw CSV, Parquet, libFM or libFFM file; ${path} is ${format === 'arrow' ? 'already encoded' : 'MovieLens (read it as CSV with --columns)'}`,
        opts.command,
      );
    }
    const out = await encodeThroughShards(path, format, opts, flag);
    if (out.dataset.numRows === 0) await noRows(path);
    if (opts.encoder && !opts.grow) out.unseen = countUnseen(out.dataset);
    return out;
  }
  if (opts.side && (format === 'libfm' || format === 'libffm')) {
    throw new CliError(`${flag} ${path}: side features (--features, --user-features, --item-features) need MovieLens or CSV data, not ${format}`);
  }
  let out: LoadedInput;
  switch (format) {
    case 'arrow':
      out = { path, source: path, format, ...(await loadArrow(path, opts)) };
      break;
    case 'movielens': {
      if ((await stat(path)).isDirectory() && !(await readdir(path)).some((n) => MOVIELENS_NAMES[n])) {
        throw new CliError(`${flag} ${path}: is a directory, expected a file (or a MovieLens folder holding u.data, ratings.dat or ratings.csv)`);
      }
      let ml;
      try {
        ml = await loadMovieLens(path, { ...(layout ? { layout } : {}), ...signal });
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        throw new CliError((e as Error).message.replace(/^loadMovieLens: /, ''));
      }
      if (ml.interactions.length === 0) await noRows(ml.ratingsFile);
      let encoded;
      try {
        encoded = encodeInteractions(ml.interactions, { ...(opts.encoder ? { encoder: opts.encoder } : {}), ...(opts.side ? movieLensSideOptions(opts.side, ml) : {}) });
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`${flag} ${path}: ${(e as Error).message.replace(/^encodeInteractions: /, '')}`);
      }
      const { dataset, encoder } = encoded;
      const titles = titlesOf(ml.items);
      out = { path, source: ml.ratingsFile, format, layout: ml.format, dataset, encoder, interactions: ml.interactions, ...(titles ? { titles } : {}) };
      if (opts.side) out.sideMissing = countSideMissing(opts.side, { user: ml.interactions.user, item: ml.interactions.item });
      break;
    }
    case 'parquet': {
      const spec = columnSpec(path, opts);
      let r;
      try {
        r = await loadParquet(path, spec);
      } catch (e) {
        throw new CliError(`${flag} ${(e as Error).message.replace(/^readParquetFrames: /, '')}`);
      }
      try {
        const encoder = opts.encoder ?? Encoder.fit(r.frame, csvFieldConfigs(spec));
        out = { path, source: path, format, dataset: encoder.transform(r.frame, r.labels), encoder };
      } catch (e) {
        throw new CliError(`${flag} ${path}: ${(e as Error).message}`);
      }
      break;
    }
    case 'csv': {
      if (!opts.columns) {
        throw new UsageError(`fm ${opts.command}: --columns is required for CSV input ${path} (e.g. "label=rating,user:cat,item:cat")`, opts.command);
      }
      let spec;
      try {
        spec = parseCsvSpec(opts.columns);
      } catch (e) {
        throw new UsageError(`fm ${opts.command}: --columns: ${(e as Error).message}`, opts.command);
      }
      const { frame: raw, labels } = await loadCsv(path, spec, signal);
      const { frame, configs } = opts.side ? joinCsvSide(raw, csvFieldConfigs(spec), opts.side, path) : { frame: raw, configs: csvFieldConfigs(spec) };
      try {
        const encoder = opts.encoder ?? Encoder.fit(frame, configs);
        out = { path, source: path, format, dataset: encoder.transform(frame, labels), encoder };
        if (opts.side) {
          const col = (t: { key: string } | undefined) => (t ? (raw.columns[t.key] as ArrayLike<string | number> | undefined) : undefined);
          const user = col(opts.side.userTable);
          const item = col(opts.side.itemTable);
          out.sideMissing = countSideMissing(opts.side, { ...(user ? { user } : {}), ...(item ? { item } : {}) });
        }
      } catch (e) {
        throw new CliError(`${flag} ${path}: ${(e as Error).message}`);
      }
      break;
    }
    case 'libfm': {
      try {
        const r = await loadLibsvm(path, { ...(opts.encoder ? { encoder: opts.encoder } : {}), ...(opts.zeroBased ? { zeroBased: true } : {}), ...signal });
        out = { path, source: path, format, dataset: r.dataset, encoder: r.encoder, zeroBased: r.zeroBased };
      } catch (e) {
        if (opts.signal?.aborted || (e as Error).name === 'ParseError') throw e;
        throw new CliError(`${flag} ${(e as Error).message.replace(/^parseLibsvm: /, '')}`);
      }
      break;
    }
    case 'libffm': {
      try {
        const r = await loadLibffm(path, { ...(opts.encoder ? { encoder: opts.encoder } : {}), ...signal });
        out = { path, source: path, format, dataset: r.dataset, encoder: r.encoder };
      } catch (e) {
        if (opts.signal?.aborted || (e as Error).name === 'ParseError') throw e;
        const empty = (await stat(path)).size === 0 || /no features found/.test((e as Error).message);
        if (empty) throw new CliError(`${path}: no data rows (${(await stat(path)).size === 0 ? 'the file is empty' : 'no field:idx:val features'})`);
        throw new CliError(`${flag} ${(e as Error).message.replace(/^parseLibffm: /, '')}`);
      }
      break;
    }
  }
  if (out.dataset.numRows === 0) await noRows(out.source);
  if (opts.encoder) out.unseen = countUnseen(out.dataset);
  return out;
}

/** The `--columns` spec a CSV or Parquet input needs; a usage error when absent or bad. */
export function columnSpec(path: string, opts: Pick<LoadInputOptions, 'columns' | 'command'>): CsvColumnSpec {
  if (!opts.columns) {
    throw new UsageError(`fm ${opts.command}: --columns is required for CSV and Parquet input ${path} (e.g. "label=rating,user:cat,item:cat")`, opts.command);
  }
  try {
    return parseCsvSpec(opts.columns);
  } catch (e) {
    throw new UsageError(`fm ${opts.command}: --columns: ${(e as Error).message}`, opts.command);
  }
}

/** `user:categorical(944), item:categorical(1683)`. */
export function describeSchema(schema: SparseDataset['schema']): string {
  return schema.fields.map((f) => `${f.name}:${f.kind}(${f.cardinality})`).join(', ');
}

/**
 * A data file read for a saved model (`fm eval`, `fm predict`): encoded with the model's encoder and side features,
 * the side tables' missing ids noted, and checked to have the model's field sizes (an error names the flag, the
 * file and what to run).
 */
export async function loadForModel(
  path: string,
  flag: string,
  model: { dir: string; encoder?: Encoder; side?: SideBundle; meta: { fieldDims: readonly number[] } },
  opts: Pick<LoadInputOptions, 'command' | 'format' | 'columns' | 'zeroBased'>,
  ctx: Pick<CommandContext, 'note' | 'signal'>,
): Promise<LoadedInput> {
  const input = await loadInput(path, { ...opts, flag, signal: ctx.signal, ...(model.encoder ? { encoder: model.encoder } : {}), ...(model.side ? { side: model.side } : {}) });
  if (input.sideMissing) for (const line of describeSideMissing(path, input.sideMissing, input.dataset.numRows)) ctx.note(line);
  const dims = input.dataset.schema.fieldDims;
  if (dims.join(',') !== model.meta.fieldDims.join(',')) {
    throw new CliError(`${flag} ${path}: its fields have sizes [${dims.join(', ')}] but the model ${model.dir} was trained on [${model.meta.fieldDims.join(', ')}]; encode it with the model's encoder (fm encode --encoder ${model.dir})`);
  }
  return input;
}
