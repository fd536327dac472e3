import { concatDatasets } from './concat-datasets.js';
import type { FieldSchema } from './field-schema.js';
import { Rng } from './rng.js';
import { SparseDataset } from './sparse-dataset.js';

/** How {@link DatasetSource.chunks} walks the rows for one epoch. */
export interface ChunkOptions {
  /** Visit the rows in a seeded random order (default false: the stored order). */
  shuffle?: boolean;
  /** Seed of the order (default 0). */
  seed?: number;
  /** Epoch number: the same seed gives a different order in every epoch (default 0). */
  epoch?: number;
  /**
   * Rows a streaming source's shuffle buffer holds (default: the source's own, see
   * {@link ShardedDataset}); memory follows this, not the number of rows. When it is at least
   * `numRows` the order is exactly {@link epochPermutation}, the order of an in-memory source.
   * Ignored by in-memory sources, which always shuffle all rows.
   */
  shuffleBuffer?: number;
  /**
   * Most rows one chunk visits. Streaming sources read in stored order default to 65,536; an
   * in-memory source, and a shuffled streaming source, yield one chunk per shuffle window (all rows
   * in memory) unless this is given (then its `order` is cut into pieces; no copy).
   */
  chunkRows?: number;
  /** Put the arrays of chunks a streaming source builds on SharedArrayBuffers (for worker threads). */
  sharedMemory?: boolean;
  /**
   * The consumer is done with a chunk once it asks for the next one (as `fit()` is): a streaming
   * source may then build later chunks in the same memory instead of fresh memory for every
   * shuffle window (default false: every chunk's arrays stay valid as long as it is held).
   */
  reuseChunks?: boolean;
}

/**
 * One piece of an epoch: visit `data`'s rows in `order` (indices into `data`), or in stored order
 * `0 .. data.numRows - 1` when `order` is absent. Every chunk uses the source's schema.
 */
export interface SourceChunk {
  readonly data: SparseDataset;
  /** `[rows to visit]` row indices into `data`; absent means every row in stored order. */
  readonly order?: Int32Array;
}

/**
 * A labelled sparse dataset that may not fit in memory, read one bounded chunk at a time: the
 * streaming input of training and evaluation (issue 13). Each call to {@link chunks} walks every
 * row exactly once (one epoch); the chunks are in-memory {@link SparseDataset}s (views over file
 * bytes where possible) that the caller may drop as soon as it moves on, so memory follows the
 * chunk and the shuffle buffer, not the rows.
 *
 * Implementations: {@link inMemorySource} (a {@link SparseDataset}: one chunk, zero-copy) and
 * `ShardedDataset` from `@fm/data/node` (a directory of Arrow shards).
 *
 * Contract for consumers (`fit()`, evaluation): with `shuffle: false` the rows come in stored
 * order, so two walks give the same rows in the same order; with `shuffle: true` the rows come
 * in an order that depends only on (`seed`, `epoch`, `shuffleBuffer`), and when the buffer holds
 * every row it is exactly `epochPermutation(numRows, seed, epoch)`, the order an in-memory source
 * gives — so training from shards and from memory can be compared row for row.
 */
export interface DatasetSource {
  /** Fields of every row; models size their tables from `schema.fieldDims`. */
  readonly schema: FieldSchema;
  /** Number of rows in one epoch. */
  readonly numRows: number;
  /** Number of stored non-zeros over all rows. */
  readonly nnz: number;
  /** Longest row over all rows (the width of dense batches). */
  readonly maxRowLength: number;
  /** Names of the side columns every chunk carries (e.g. `user`, `item`). */
  readonly columns: readonly string[];
  /**
   * Mean label over every row when the source knows it without reading them (a shard manifest
   * does): `fit()` starts the bias from it; otherwise from the first chunk's labels.
   */
  readonly labelMean?: number | undefined;
  /** One epoch's chunks. */
  chunks(options?: ChunkOptions): AsyncIterable<SourceChunk>;
}

/**
 * The seed of epoch `epoch` for a run seeded `seed`: epoch 0 is `seed` itself, so epoch 0's
 * order equals `new Rng(seed).permutation(n)`, the order `SparseDataset.shuffle(seed)` uses.
 */
export function epochSeed(seed: number, epoch: number): number {
  if (!Number.isFinite(seed)) throw new Error(`epochSeed: seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`epochSeed: epoch must be an integer ≥ 0, got ${epoch}`);
  return epoch === 0 ? seed : (Math.floor(seed) ^ Math.imul(epoch, 0x9e3779b1)) >>> 0;
}

/** The shuffled row order of an epoch: `new Rng(epochSeed(seed, epoch)).permutation(n)`. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  return new Rng(epochSeed(seed, epoch)).permutation(n);
}

/** Checks chunk options; returns `chunkRows` (or undefined). @internal */
export function checkChunkOptions(o: ChunkOptions, where: string): void {
  for (const k of ['shuffleBuffer', 'chunkRows'] as const) {
    const v = o[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${where}: ${k} must be an integer ≥ 1, got ${String(v)}`);
  }
  if (o.epoch !== undefined && (!Number.isInteger(o.epoch) || o.epoch < 0)) {
    throw new Error(`${where}: epoch must be an integer ≥ 0, got ${String(o.epoch)}`);
  }
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new Error(`${where}: seed must be a finite number, got ${String(o.seed)}`);
}

/** Yields `data` visited in `order` as one chunk, or that order cut into `chunkRows` pieces (no copy). @internal */
export function* orderChunks(data: SparseDataset, order: Int32Array, chunkRows: number | undefined): Generator<SourceChunk> {
  const n = order.length;
  if (chunkRows === undefined || chunkRows >= n) {
    yield { data, order };
    return;
  }
  for (let s = 0; s < n; s += chunkRows) yield { data, order: order.subarray(s, Math.min(n, s + chunkRows)) };
}

/** Yields `data` as one chunk (order cut into `chunkRows` pieces when given). @internal */
export function* wholeChunks(data: SparseDataset, o: ChunkOptions): Generator<SourceChunk> {
  const n = data.numRows;
  if (o.shuffle) {
    yield* orderChunks(data, epochPermutation(n, o.seed ?? 0, o.epoch ?? 0), o.chunkRows);
    return;
  }
  const step = o.chunkRows;
  if (step === undefined || step >= n) {
    yield { data };
    return;
  }
  for (let s = 0; s < n; s += step) yield { data: data.slice(s, Math.min(n, s + step)) };
}

/** A {@link SparseDataset} held in memory, as a {@link DatasetSource}. */
export class InMemorySource implements DatasetSource {
  readonly dataset: SparseDataset;

  constructor(dataset: SparseDataset) {
    this.dataset = dataset;
  }

  get schema(): FieldSchema {
    return this.dataset.schema;
  }
  get numRows(): number {
    return this.dataset.numRows;
  }
  get nnz(): number {
    return this.dataset.nnz;
  }
  get maxRowLength(): number {
    return this.dataset.maxRowLength;
  }
  get columns(): readonly string[] {
    return Object.keys(this.dataset.columns);
  }

  /**
   * One chunk: the dataset itself (no copy), with `order` = {@link epochPermutation} when
   * shuffling; with `chunkRows`, that order (or zero-copy slices) cut into pieces.
   */
  async *chunks(options: ChunkOptions = {}): AsyncGenerator<SourceChunk> {
    checkChunkOptions(options, 'InMemorySource.chunks');
    yield* wholeChunks(this.dataset, options);
  }
}

/** Wraps an in-memory dataset as a {@link DatasetSource} (one zero-copy chunk per epoch). */
export function inMemorySource(dataset: SparseDataset): InMemorySource {
  return new InMemorySource(dataset);
}

/** True for a {@link DatasetSource} (anything with a schema, `numRows` and a `chunks` method). */
export function isDatasetSource(x: unknown): x is DatasetSource {
  const s = x as Partial<DatasetSource> | null;
  return typeof s === 'object' && s !== null && typeof s.chunks === 'function' && typeof s.numRows === 'number' && s.schema !== undefined;
}

/** A source for either kind of input: a dataset is wrapped with {@link inMemorySource}. */
export function toDatasetSource(data: SparseDataset | DatasetSource): DatasetSource {
  return isDatasetSource(data) ? data : inMemorySource(data);
}

/**
 * Reads every row of a source into one in-memory dataset, in stored order (or shuffled, per
 * `options`). Memory is all rows: for tests, small evaluation sets and in-memory fallbacks.
 */
export async function collectSource(source: DatasetSource, options: ChunkOptions = {}): Promise<SparseDataset> {
  if (source instanceof InMemorySource && !options.shuffle) return source.dataset;
  const parts: SparseDataset[] = [];
  for await (const c of source.chunks(options)) parts.push(c.order ? c.data.select(c.order) : c.data);
  if (parts.length === 0) {
    const empty = new Float32Array(0);
    return new SparseDataset(
      { schema: source.schema, labels: empty, offsets: new Int32Array(1), ids: new Int32Array(0), values: empty, fields: new Int32Array(0) },
      { validate: false },
    );
  }
  return concatDatasets(parts, { schema: source.schema });
}
