// Node only: Parquet input (a file, or a folder of part files as Spark, DuckDB and Polars write them),
// read in JavaScript with hyparquet (+ hyparquet-compressors for gzip/zstd/brotli/lz4), row group by row group.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { concatFrames, type Frame } from '../frame.js';
import { BadLines, MAX_REPORTED_ERRORS, type LoadOptions } from '../parse-error.js';
import { CsvRows, parseCsvSpec, type CsvColumnSpec } from './csv.js';

/** One row group of a Parquet input as a frame, as {@link readParquetFrames} yields it. */
export interface ParquetFrame {
  frame: Frame;
  labels: Float32Array;
  /** The part file it came from. */
  file: string;
  /** Row groups read so far over all files, and their total. */
  group: number;
  groups: number;
  /** Compressed bytes of the row groups read so far, and of all row groups. */
  bytes: number;
  totalBytes: number;
  /** Bad rows skipped so far (with `skipBadLines`) and the first messages. */
  skipped: number;
  errors: string[];
}

/**
 * The Parquet files of `path`: the file itself, or every `*.parquet` file under a folder (sorted by
 * path, recursing into partition folders such as `date=2024-01-01/`), skipping hidden and `_`
 * files (`_SUCCESS`, `_metadata`, `.crc`).
 */
export async function parquetFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or folder`);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.parquet')) out.push(p);
    }
  };
  await walk(path);
  if (out.length === 0) throw new Error(`${path}: a folder with no .parquet files`);
  return out;
}

/** Text of a Parquet value as a CSV field would hold it (null → empty field, booleans → 1/0 in numeric columns). */
function fieldText(v: unknown, numeric: boolean): string | string[] {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return numeric ? (v ? '1' : '0') : String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => fieldText(x, false) as string);
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/**
 * Reads Parquet input with a CSV column spec (the same `--columns` grammar and rules: every
 * top-level column is the label or listed, `skip` ones are not even read), one row group at a
 * time, so memory follows the row group, not the file. Values become the texts a CSV file would
 * hold (numbers in shortest form, null as an empty field, a LIST column as the tokens of a
 * `multi` column), then go through the CSV row parser, so a Parquet file encodes exactly like the
 * same data in CSV. Errors name `file:row` (1-based within the file) and the column.
 */
export async function* readParquetFrames(
  path: string,
  specIn: CsvColumnSpec | string,
  opts: Omit<LoadOptions, 'file'> = {},
): AsyncGenerator<ParquetFrame> {
  const spec = typeof specIn === 'string' ? parseCsvSpec(specIn) : specIn;
  if (spec.header === false) throw new Error(`readParquetFrames: ${path}: Parquet columns have names; the spec must use them (drop header=no)`);
  const files = await parquetFiles(path);
  const metas = await Promise.all(
    files.map(async (f) => {
      try {
        const file = await asyncBufferFromFile(f);
        return { f, file, metadata: await parquetMetadataAsync(file) };
      } catch (e) {
        throw new Error(`${f}: not a readable Parquet file (${(e as Error).message})`);
      }
    }),
  );
  const groups = metas.reduce((s, m) => s + m.metadata.row_groups.length, 0);
  const totalBytes = metas.reduce((s, m) => s + m.metadata.row_groups.reduce((t, g) => t + Number(g.total_compressed_size ?? g.total_byte_size), 0), 0);
  const kinds = new Map<string, string>([[spec.label, 'label'], ...spec.columns.map((c) => [c.name, c.kind] as [string, string])]);
  let group = 0;
  let bytes = 0;
  let skippedBefore = 0;
  const errors: string[] = [];
  for (const { f, file, metadata } of metas) {
    const names = parquetSchema(metadata).children.map((c) => c.element.name);
    const bad = new BadLines({ ...opts, file: f });
    const rows = new CsvRows(spec, bad);
    rows.header(names, 1, names.join(','));
    const read = names.filter((n) => kinds.get(n) !== 'skip');
    const at = names.map((n) => read.indexOf(n));
    const numeric = names.map((n) => kinds.get(n) === 'label' || kinds.get(n) === 'num');
    let start = 0;
    for (const g of metadata.row_groups) {
      const n = Number(g.num_rows);
      let data: unknown[][] = [];
      try {
        await parquetRead({ file, metadata, compressors, columns: read, rowStart: start, rowEnd: start + n, rowFormat: 'array', onComplete: (r) => (data = r) });
      } catch (e) {
        throw new Error(`${f}: cannot read rows ${start + 1}-${start + n} (${(e as Error).message})`);
      }
      const vals: (string | string[])[] = new Array(names.length);
      for (let i = 0; i < data.length; i++) {
        const row = data[i] as unknown[];
        for (let c = 0; c < names.length; c++) vals[c] = (at[c] as number) < 0 ? '' : fieldText(row[at[c] as number], numeric[c] as boolean);
        rows.values(vals, start + i + 1, JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      }
      start += n;
      group++;
      bytes += Number(g.total_compressed_size ?? g.total_byte_size);
      const { frame, labels } = rows.take();
      const errs = [...errors, ...bad.errors].slice(0, MAX_REPORTED_ERRORS);
      yield { frame, labels, file: f, group, groups, bytes, totalBytes, skipped: skippedBefore + bad.skipped, errors: errs };
    }
    skippedBefore += bad.skipped;
    errors.push(...bad.errors);
  }
}

/**
 * Reads a whole Parquet file or folder into one frame with a CSV column spec (see
 * {@link readParquetFrames}): the Parquet counterpart of `loadCsv`.
 */
export async function loadParquet(
  path: string,
  spec: CsvColumnSpec | string,
  opts: Omit<LoadOptions, 'file'> = {},
): Promise<{ frame: Frame; labels: Float32Array; skipped: number; errors: string[] }> {
  const frames: Frame[] = [];
  const labels: Float32Array[] = [];
  let last: ParquetFrame | undefined;
  for await (const g of readParquetFrames(path, spec, opts)) {
    frames.push(g.frame);
    labels.push(g.labels);
    last = g;
  }
  const all = new Float32Array(labels.reduce((s, l) => s + l.length, 0));
  let o = 0;
  for (const l of labels) {
    all.set(l, o);
    o += l.length;
  }
  const frame = frames.length === 1 ? (frames[0] as Frame) : concatFrames(frames);
  return { frame, labels: all, skipped: last?.skipped ?? 0, errors: last?.errors ?? [] };
}
