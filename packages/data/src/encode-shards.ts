// Node only: streaming encode of libffm, libsvm/libFM, CSV and Parquet files into sharded Arrow datasets.
import { stat } from 'node:fs/promises';
import { Encoder, withHashing, type FieldConfig } from './encoder.js';
import { EncoderFitter } from './encoder-fitter.js';
import type { Frame } from './frame.js';
import { HashCollisionCounter, type HashReport, type HashingConfig } from './hashing.js';
import { lineBatches } from './line-source.js';
import { CsvRows, csvFieldConfigs, parseCsvSpec, type CsvColumnSpec } from './loaders/csv.js';
import { LibffmRows, libffmFieldConfigs, libffmFieldName } from './loaders/libffm.js';
import { LibsvmRows, libsvmSchema } from './loaders/libsvm.js';
import { readLines } from './loaders/node-files.js';
import { readParquetFrames } from './loaders/parquet.js';
import { BadLines, type LoadOptions } from './parse-error.js';
import { ProgressClock, type StreamProgress } from './progress.js';
import type { ShardHashing, ShardManifest } from './shard-manifest.js';
import { DEFAULT_CHUNK_ROWS, ShardWriter, type ShardWriterOptions } from './shards.js';
import { SparseDataset } from './sparse-dataset.js';
import type { FieldSchema } from './field-schema.js';

/** A raw input file (or Parquet folder) to encode, with its format's settings. */
export type EncodeInput =
  | { format: 'libffm'; path: string }
  | { format: 'libsvm'; path: string; zeroBased?: boolean; numFeatures?: number }
  | { format: 'csv'; path: string; columns: CsvColumnSpec | string }
  | { format: 'parquet'; path: string; columns: CsvColumnSpec | string };

/** Options of {@link encodeToShards}. */
export interface EncodeToShardsOptions extends ShardWriterOptions, Omit<LoadOptions, 'file'> {
  /** Hash categorical/multi-hot fields (all, or those named) instead of fitting vocabularies. */
  hashing?: HashingConfig;
  /** Encode with this encoder (a test file encoded like its training file): one pass, unseen keys → OOV. */
  encoder?: Encoder;
  /** With `encoder`: grow its vocabularies with this input's new keys (a warm start; two passes). */
  grow?: boolean;
  /** Vocabulary fields: drop keys seen fewer times (default 1) / keep the most frequent. */
  minCount?: number;
  maxSize?: number;
  /** Rows per encoded chunk (default 65,536). */
  chunkRows?: number;
  onProgress?: (p: StreamProgress) => void;
}

/** What {@link encodeToShards} wrote. */
export interface EncodeToShardsResult {
  manifest: ShardManifest;
  /** The encoder of the rows (also in the manifest); undefined for libsvm ids kept as they are. */
  encoder?: Encoder;
  /** Collisions of hashed fields. */
  hashReport?: HashReport;
  /** Passes over the input: 1 (hashing, a reused encoder, raw libsvm ids) or 2 (vocabularies first). */
  passes: 1 | 2;
  skipped: number;
  errors: string[];
}

interface FrameChunk {
  frame: Frame;
  labels: Float32Array;
  bytes: number;
  totalBytes: number;
}

/** One pass of a text file through a row parser, handing out frames of `chunkRows` rows (the last one fewer). */
async function* textPass<R>(
  path: string,
  parser: { line(line: string, no: number): void; rows: number },
  take: () => R,
  chunkRows: number,
): AsyncGenerator<R & { bytes: number; totalBytes: number }> {
  const totalBytes = (await stat(path)).size;
  const src = readLines(path);
  for await (const { lines, first } of lineBatches(src)) {
    for (let i = 0; i < lines.length; i++) {
      parser.line(lines[i] as string, first + i);
      if (parser.rows >= chunkRows) yield { ...take(), bytes: src.bytesRead, totalBytes };
    }
  }
  if (parser.rows > 0) yield { ...take(), bytes: totalBytes, totalBytes };
}

function vocabOptions(fields: FieldConfig[], o: EncodeToShardsOptions): FieldConfig[] {
  return fields.map((f) =>
    f.kind === 'numeric' ? f : { ...f, ...(o.minCount !== undefined ? { minCount: o.minCount } : {}), ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}) },
  );
}

/** Whether fitting needs a pass over the data: a vocabulary to count, or a numeric scaling to measure. */
function needsFitting(fields: readonly Readonly<FieldConfig>[]): boolean {
  return fields.some((f) => (f.kind === 'numeric' ? f.scale !== undefined && f.scale !== 'none' && f.scaleBy === undefined : f.hashBits === undefined));
}

function hashingOf(enc: Encoder, report: HashReport | undefined): ShardHashing | undefined {
  const bits: Record<string, number> = {};
  let seed = 0;
  for (const f of enc.fields) {
    if (f.hashBits === undefined) continue;
    bits[f.name] = f.hashBits;
    seed = f.hashSeed ?? 0;
  }
  if (Object.keys(bits).length === 0) return undefined;
  return report ? { seed, bits, report } : { seed, bits };
}

/**
 * Encodes a libffm, libsvm/libFM, CSV or Parquet input into a sharded dataset at `outDir`
 * (see `ShardWriter`), streaming: memory follows one chunk of rows and one shard, plus the
 * vocabularies (or, with hashing, `2^bits` bits per hashed field for the collision count).
 *
 * - One pass when no vocabulary has to be fitted first: every field hashed (`hashing`), a reused
 *   `encoder`, or libsvm ids kept as they are (the feature count grows to the largest index seen
 *   unless `numFeatures` is given). libffm fields are then those of the first `chunkRows` rows; a
 *   field first seen later is a bad line (encode in two passes, or reuse an encoder, to name them).
 * - Two passes otherwise: count keys ({@link EncoderFitter}), then encode; with `grow`, the first
 *   pass grows `encoder` instead (a warm start).
 *
 * The manifest records the encoder (to encode test files the same way: pass
 * `ShardedDataset.encoder()` back as `encoder`), the hashing settings and collision report, and the
 * input. Progress (rows, bytes, ETA over both passes) goes to `onProgress`; errors name file:line.
 */
export async function encodeToShards(input: EncodeInput, outDir: string, options: EncodeToShardsOptions = {}): Promise<EncodeToShardsResult> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new Error(`encodeToShards: chunkRows must be an integer ≥ 1, got ${chunkRows}`);
  if (options.grow && !options.encoder) throw new Error('encodeToShards: grow needs an encoder to grow');
  if (options.encoder && options.hashing) throw new Error('encodeToShards: pass either an encoder or hashing settings (the encoder has its own)');
  const load: LoadOptions = { file: input.path, ...(options.skipBadLines !== undefined ? { skipBadLines: options.skipBadLines } : {}) };
  if (options.onSkip) load.onSkip = options.onSkip;
  const source: Record<string, unknown> = { ...input };

  if (input.format === 'libsvm' && !options.encoder && !options.hashing) {
    if (options.grow) throw new Error('encodeToShards: libsvm ids kept as they are have no vocabulary to grow');
    return encodeRawLibsvm(input, outDir, options, load, chunkRows, source);
  }

  // Frames of one pass, for the format; libffm also reports the fields it has seen.
  let ffm: LibffmRows | undefined;
  let ffmNames: string[] | undefined;
  const pass = (bad: BadLines): AsyncGenerator<FrameChunk> => {
    switch (input.format) {
      case 'libffm': {
        ffm = new LibffmRows(bad, ffmNames ? new Set(ffmNames) : undefined);
        const p = ffm;
        return textPass(input.path, p, () => p.take(ffmNames ?? p.fieldNumbers().map(libffmFieldName)), chunkRows);
      }
      case 'libsvm': {
        const p = new LibsvmRows(bad, input);
        return textPass(
          input.path,
          p,
          () => {
            const c = p.take();
            // Hash the indices as written in the file (the base added back), so zeroBased does not change buckets.
            const tokens = Array.from(c.ids, (id) => id + p.base);
            return { frame: { length: c.labels.length, columns: { features: { kind: 'multi-hot' as const, offsets: c.offsets, tokens, weights: c.values } } }, labels: c.labels };
          },
          chunkRows,
        );
      }
      case 'csv': {
        const p = new CsvRows(input.columns, bad);
        return textPass(input.path, p, () => p.take(), chunkRows);
      }
      case 'parquet':
        return (async function* () {
          for await (const g of readParquetFrames(input.path, input.columns, load)) {
            yield { frame: g.frame, labels: g.labels, bytes: g.bytes, totalBytes: g.totalBytes };
          }
        })();
    }
  };

  // The field configs (when no encoder is reused).
  let configs: FieldConfig[] | undefined;
  if (!options.encoder) {
    if (input.format === 'csv' || input.format === 'parquet') {
      const spec = typeof input.columns === 'string' ? parseCsvSpec(input.columns) : input.columns;
      configs = vocabOptions(csvFieldConfigs(spec), options);
    } else if (input.format === 'libsvm') {
      configs = [{ name: 'features', kind: 'multi-hot', normalize: false }];
    }
    if (configs && options.hashing) configs = withHashing(configs, options.hashing);
  } else if (input.format === 'libffm') {
    ffmNames = options.encoder.fields.map((f) => f.name);
  }

  const libffmConfigs = (names: string[]): FieldConfig[] => {
    const c = vocabOptions(libffmFieldConfigs(names), options);
    return options.hashing ? withHashing(c, options.hashing) : c;
  };
  const twoPass =
    options.grow === true ||
    (!options.encoder &&
      (configs ? needsFitting(configs) : !(options.hashing && typeof options.hashing.bits === 'number')));
  const passes = twoPass ? 2 : 1;
  const clock = new ProgressClock(options.onProgress, passes);

  // Pass 1 (two-pass modes): count keys, or grow the reused encoder.
  let encoder = options.encoder;
  if (twoPass) {
    const bad = new BadLines(load);
    let rows = 0;
    if (input.format === 'libffm' && !options.encoder) {
      // Fields are discovered as they come: one fitter per field, merged at the end (sorted by number).
      const fitters = new Map<string, EncoderFitter>();
      for await (const c of pass(bad)) {
        for (const [name, col] of Object.entries(c.frame.columns)) {
          let f = fitters.get(name);
          if (!f) fitters.set(name, (f = new EncoderFitter(libffmConfigs([name]))));
          f.add({ length: c.frame.length, columns: { [name]: col } });
        }
        rows += c.frame.length;
        clock.report({ phase: 'vocabulary', pass: 1, rows, bytes: c.bytes, totalBytes: c.totalBytes, shards: 0 });
      }
      const names = (ffm as LibffmRows).fieldNumbers().map(libffmFieldName);
      if (names.length === 0) throw new Error(`encodeToShards: ${input.path}: no features found, cannot build a field mapping`);
      const fitted = names.map((n) => (fitters.get(n) as EncoderFitter).finish());
      encoder = Encoder.fromParts(
        fitted.map((e) => e.fields[0] as FieldConfig),
        fitted.map((e, i) => (e.hashBits(names[i] as string) === undefined ? e.vocabulary(names[i] as string) : undefined)),
        'encodeToShards',
      );
      ffmNames = names;
    } else {
      const fitter = new EncoderFitter(options.encoder ?? (configs as FieldConfig[]), { where: 'encodeToShards' });
      for await (const c of pass(bad)) {
        fitter.add(c.frame);
        rows += c.frame.length;
        clock.report({ phase: 'vocabulary', pass: 1, rows, bytes: c.bytes, totalBytes: c.totalBytes, shards: 0 });
      }
      encoder = fitter.finish();
    }
  } else if (!encoder && configs) {
    encoder = Encoder.fromParts(configs, configs.map(() => undefined), 'encodeToShards');
  }

  // Encode pass.
  const bad = new BadLines(load);
  const seed = options.hashing?.seed ?? encoder?.fields.find((f) => f.hashSeed !== undefined)?.hashSeed ?? 0;
  const stats = options.hashing || encoder?.hashed ? new HashCollisionCounter(seed) : undefined;
  const writer = await ShardWriter.create(outDir, options);
  let rows = 0;
  try {
    for await (const c of pass(bad)) {
      if (!encoder) {
        // One-pass libffm with every field hashed: the fields are those of the first chunk.
        const names = (ffm as LibffmRows).fieldNumbers().map(libffmFieldName);
        if (names.length === 0) throw new Error(`encodeToShards: ${input.path}: no features found, cannot build a field mapping`);
        const cfg = libffmConfigs(names);
        encoder = Encoder.fromParts(cfg, cfg.map(() => undefined), 'encodeToShards');
        ffmNames = names;
        (ffm as LibffmRows).setKnown(new Set(names));
      }
      await writer.append(encoder.transform(c.frame, c.labels, stats ? { hashStats: stats } : {}));
      rows += c.frame.length;
      clock.report({ phase: 'encode', pass: passes, rows, bytes: c.bytes, totalBytes: c.totalBytes, shards: writer.shardCount });
    }
    if (!encoder) throw new Error(`encodeToShards: ${input.path}: no rows found, cannot build a field mapping`);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const hashReport = stats?.report();
  const hashing = hashingOf(encoder, hashReport);
  const manifest = await writer.finish({
    schema: encoder.schema,
    encoder,
    ...(hashing ? { hashing } : {}),
    source: { ...source, passes, skipped: bad.skipped },
  });
  return { manifest, encoder, ...(hashReport ? { hashReport } : {}), passes, skipped: bad.skipped, errors: bad.errors };
}

/** libsvm ids kept as they are: one pass; the feature count is `numFeatures` or the largest index + 1. */
async function encodeRawLibsvm(
  input: Extract<EncodeInput, { format: 'libsvm' }>,
  outDir: string,
  options: EncodeToShardsOptions,
  load: LoadOptions,
  chunkRows: number,
  source: Record<string, unknown>,
): Promise<EncodeToShardsResult> {
  const bad = new BadLines(load);
  const parser = new LibsvmRows(bad, input);
  const clock = new ProgressClock(options.onProgress, 1);
  const writer = await ShardWriter.create(outDir, options);
  const schemaNow = (): FieldSchema => libsvmSchema(input.numFeatures ?? Math.max(1, parser.maxId + 1));
  let rows = 0;
  try {
    for await (const c of textPass(input.path, parser, () => parser.take(), chunkRows)) {
      const { labels, offsets, ids, values } = c;
      await writer.append(new SparseDataset({ schema: schemaNow(), labels, offsets, ids, values, fields: new Int32Array(ids.length) }, { validate: false }));
      rows += labels.length;
      clock.report({ phase: 'encode', pass: 1, rows, bytes: c.bytes, totalBytes: c.totalBytes, shards: writer.shardCount });
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const manifest = await writer.finish({ schema: schemaNow(), source: { ...source, passes: 1, skipped: bad.skipped } });
  return { manifest, passes: 1, skipped: bad.skipped, errors: bad.errors };
}
