// Node only: sharded Arrow datasets (a directory of bounded Arrow IPC files + manifest.json).
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetFromIPC, datasetToIPC } from './arrow-io.js';
import { beginDirAtomic, type PendingDir } from './atomic-write.js';
import { ConcatBuffer, concatDatasets } from './concat-datasets.js';
import { checkChunkOptions, epochSeed, orderChunks, wholeChunks, type ChunkOptions, type DatasetSource, type SourceChunk } from './dataset-source.js';
import { Encoder, type EncoderJSON } from './encoder.js';
import { FieldSchema } from './field-schema.js';
import { Rng } from './rng.js';
import {
  SHARDS_FORMAT,
  SHARDS_MANIFEST,
  SHARDS_VERSION,
  parseShardManifest,
  type ShardHashing,
  type ShardInfo,
  type ShardManifest,
} from './shard-manifest.js';
import { SparseDataset, type RowColumn } from './sparse-dataset.js';

/** Default bound of one shard file: 64 MiB. */
export const DEFAULT_SHARD_BYTES = 64 * 2 ** 20;
/** Default rows per chunk of a streaming read. */
export const DEFAULT_CHUNK_ROWS = 65_536;

/** Options of {@link ShardWriter.create}. */
export interface ShardWriterOptions {
  /** Bound of one shard file in bytes (default 64 MiB; a single longer row still gets its own shard). */
  shardBytes?: number;
  /** Also bound the rows per shard. */
  shardRows?: number;
}

/** What {@link ShardWriter.finish} records besides the rows. */
export interface ShardFinishOptions {
  /** Final schema (default: the rows' schema, its last field grown to the largest seen). */
  schema?: FieldSchema;
  encoder?: Encoder | EncoderJSON;
  hashing?: ShardHashing;
  source?: Record<string, unknown>;
}

function compatible(a: FieldSchema, b: FieldSchema): string | undefined {
  if (a.numFields !== b.numFields) return `${b.numFields} fields where earlier rows have ${a.numFields}`;
  for (let f = 0; f < a.numFields; f++) {
    const x = a.fields[f];
    const y = b.fields[f];
    if (!x || !y || x.name !== y.name || x.kind !== y.kind) return `field ${f} is "${y?.name}" (${y?.kind}) where earlier rows have "${x?.name}" (${x?.kind})`;
    if (f < a.numFields - 1 && x.cardinality !== y.cardinality) {
      return `field "${x.name}" has ${y.cardinality} ids where earlier rows have ${x.cardinality} (only the last field may grow: it shifts no offsets)`;
    }
  }
  return undefined;
}

function rowBytes(ds: SparseDataset): number {
  let b = 8; // label + offset
  for (const c of Object.values(ds.columns)) b += c.BYTES_PER_ELEMENT;
  return b;
}

/**
 * Writes a sharded dataset as rows arrive, with bounded memory: rows are buffered until a shard
 * reaches `shardBytes`, then written as `part-NNNNN.arrow` (Arrow IPC, the layout of
 * `writeArrow`); {@link finish} writes `manifest.json` last. The directory is built in a hidden
 * temporary sibling and replaces `dir` only on `finish` (an existing `dir` is replaced as a unit),
 * so a crash or Ctrl-C never leaves a half-written dataset: call {@link abort} (or remove
 * {@link tempDir}) on failure.
 */
export class ShardWriter {
  private readonly pending: PendingDir;
  private readonly shardBytes: number;
  private readonly shardRows: number;
  private readonly shards: ShardInfo[] = [];
  private buffered: SparseDataset[] = [];
  private bufferedRows = 0;
  private bufferedBytes = 0;
  private schema: FieldSchema | undefined;
  private columnNames: string[] | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    pending: PendingDir,
    options: ShardWriterOptions,
  ) {
    this.pending = pending;
    this.shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
    this.shardRows = options.shardRows ?? Number.MAX_SAFE_INTEGER;
  }

  /** Starts writing a sharded dataset to `dir`. */
  static async create(dir: string, options: ShardWriterOptions = {}): Promise<ShardWriter> {
    for (const k of ['shardBytes', 'shardRows'] as const) {
      const v = options[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`ShardWriter: ${k} must be an integer ≥ 1, got ${v}`);
    }
    return new ShardWriter(dir, await beginDirAtomic(dir), options);
  }

  /** The hidden directory being filled (removed by {@link abort}; renamed to `dir` by {@link finish}). */
  get tempDir(): string {
    return this.pending.tempDir;
  }

  /** Rows written or buffered so far. */
  get rows(): number {
    return this.shards.reduce((s, x) => s + x.rows, 0) + this.bufferedRows;
  }

  /** Shard files written so far. */
  get shardCount(): number {
    return this.shards.length;
  }

  /**
   * Appends rows. Every dataset must have the same fields and side columns; only the last field's
   * cardinality may differ (it shifts no offsets), so a single-field file whose largest index is
   * only known at the end can be written in one pass.
   */
  async append(ds: SparseDataset): Promise<void> {
    if (this.closed) throw new Error(`ShardWriter: ${this.dir} is already finished or aborted`);
    const names = Object.keys(ds.columns).sort();
    if (!this.schema || !this.columnNames) {
      this.schema = ds.schema;
      this.columnNames = names;
    } else {
      const why = compatible(this.schema, ds.schema);
      if (why) throw new Error(`ShardWriter: rows for ${this.dir} do not match earlier rows: ${why}`);
      if (names.join('\0') !== this.columnNames.join('\0')) {
        throw new Error(`ShardWriter: rows carry side columns [${names.join(', ')}], earlier rows [${this.columnNames.join(', ')}]`);
      }
      const last = ds.schema.numFields - 1;
      if ((ds.schema.fields[last]?.cardinality ?? 0) > (this.schema.fields[last]?.cardinality ?? 0)) this.schema = ds.schema;
    }
    const perRow = rowBytes(ds);
    let s = 0;
    while (s < ds.numRows) {
      // Largest e such that rows [s, e) fit the room left in this shard (at least one row).
      const roomBytes = this.shardBytes - this.bufferedBytes;
      const roomRows = this.shardRows - this.bufferedRows;
      const base = ds.offsets[s] as number;
      let lo = s + 1;
      let hi = Math.min(ds.numRows, s + roomRows);
      const bytes = (e: number) => perRow * (e - s) + 12 * ((ds.offsets[e] as number) - base);
      if (hi < lo || bytes(lo) > roomBytes) {
        if (this.bufferedRows > 0) {
          await this.flush();
          continue;
        }
        hi = lo; // one row longer than a shard: it gets a shard of its own
      }
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (bytes(mid) <= roomBytes) lo = mid;
        else hi = mid - 1;
      }
      const e = lo;
      this.buffered.push(s === 0 && e === ds.numRows ? ds : ds.slice(s, e));
      this.bufferedRows += e - s;
      this.bufferedBytes += bytes(e);
      s = e;
      if (this.bufferedBytes >= this.shardBytes || this.bufferedRows >= this.shardRows) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const ds = this.buffered.length === 1 ? (this.buffered[0] as SparseDataset) : concatDatasets(this.buffered, { schema: this.schema });
    this.buffered = [];
    this.bufferedRows = 0;
    this.bufferedBytes = 0;
    const file = `part-${String(this.shards.length).padStart(5, '0')}.arrow`;
    const bytes = datasetToIPC(ds);
    await writeFile(join(this.pending.tempDir, file), bytes);
    let labelSum = 0;
    for (const y of ds.labels) labelSum += y;
    this.shards.push({ file, rows: ds.numRows, nnz: ds.nnz, bytes: bytes.byteLength, maxRowLength: ds.maxRowLength, labelSum });
  }

  /** Writes the last shard and the manifest, then puts the directory in place. */
  async finish(options: ShardFinishOptions = {}): Promise<ShardManifest> {
    if (this.closed) throw new Error(`ShardWriter: ${this.dir} is already finished or aborted`);
    try {
      await this.flush();
      let schema = this.schema ?? options.schema;
      if (!schema) throw new Error(`ShardWriter: no rows and no schema for ${this.dir}`);
      if (options.schema) {
        const why = compatible(schema, options.schema);
        const last = schema.numFields - 1;
        if (why || (options.schema.fields[last]?.cardinality ?? 0) < (schema.fields[last]?.cardinality ?? 0)) {
          throw new Error(`ShardWriter.finish: the given schema does not cover the rows written: ${why ?? 'its last field is smaller'}`);
        }
        schema = options.schema;
      }
      const manifest: ShardManifest = {
        format: SHARDS_FORMAT,
        version: SHARDS_VERSION,
        schema: schema.toJSON(),
        numRows: this.shards.reduce((s, x) => s + x.rows, 0),
        nnz: this.shards.reduce((s, x) => s + x.nnz, 0),
        maxRowLength: this.shards.reduce((s, x) => Math.max(s, x.maxRowLength), 0),
        columns: this.columnNames ?? [],
        shards: this.shards,
        createdAt: new Date().toISOString(),
      };
      if (options.encoder) manifest.encoder = options.encoder instanceof Encoder ? options.encoder.toJSON() : options.encoder;
      if (options.hashing) manifest.hashing = options.hashing;
      if (options.source) manifest.source = options.source;
      await writeFile(join(this.pending.tempDir, SHARDS_MANIFEST), JSON.stringify(manifest, null, 1));
      this.closed = true;
      await this.pending.commit();
      return manifest;
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Drops everything written; `dir` is left as it was. */
  async abort(): Promise<void> {
    this.closed = true;
    this.buffered = [];
    await this.pending.abort();
  }
}

/**
 * Writes rows to a sharded dataset in one call: an in-memory dataset or any {@link DatasetSource}
 * (read in stored order, chunk by chunk).
 */
export async function writeShards(
  dir: string,
  data: SparseDataset | DatasetSource,
  options: ShardWriterOptions & ShardFinishOptions = {},
): Promise<ShardManifest> {
  const w = await ShardWriter.create(dir, options);
  try {
    if (data instanceof SparseDataset) await w.append(data);
    else for await (const c of data.chunks({ shuffle: false })) await w.append(c.order ? c.data.select(c.order) : c.data);
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w.finish({ ...options, schema: options.schema ?? data.schema });
}

/**
 * Reads a whole file into memory, on a SharedArrayBuffer when `shared`. One read request for the
 * whole file (not `readFile`'s 512 KiB pieces, each of which waits for a turn of the event loop),
 * so a shard read ahead arrives while the training loop keeps the thread busy. Into `spare` when
 * it has room (memory already touched: fresh pages cost more than the copy on some machines).
 */
async function readBytes(path: string, shared: boolean, spare?: Uint8Array): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const out = spare && spare.byteLength >= size ? spare.subarray(0, size) : shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(out, pos, size - pos, pos);
      if (bytesRead === 0) throw new Error(`unexpected end of file after ${pos} of ${size} bytes`);
      pos += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/**
 * A sharded dataset on disk, opened by its manifest, as a {@link DatasetSource}: `fit()` and
 * evaluation stream it chunk by chunk. Opening reads only `manifest.json`; each shard file is
 * read when its turn comes (later ones are read ahead while the current one is consumed).
 *
 * Epoch order with `shuffle: true` and a buffer of `shuffleBuffer` rows (default
 * {@link defaultShuffleBuffer}): shards in a seeded random order, their rows taken as one stream
 * and cut into windows of `shuffleBuffer` rows (the first window 1..`shuffleBuffer` rows, seeded,
 * so windows straddle shard boundaries at places that change every epoch); each window is one
 * chunk — each piece copied once, sequentially (bulk copies), into one dataset — visited in a
 * seeded random `order` (cut into `chunkRows` pieces when given). No chunk holds more than
 * `shuffleBuffer` rows, even when a shard is larger (it is split across windows). Memory is one
 * window plus the shards of about one more (the one being cut into windows and those read ahead); with
 * `reuseChunks` (as `fit()` asks) the window and read buffers are reused across windows and kept
 * for the next epoch, so no fresh memory is touched after the first. When the buffer holds every
 * row, all shards are read and the order is exactly `epochPermutation(numRows, seed, epoch)` over
 * the rows in stored order, the order of an in-memory source.
 */
export class ShardedDataset implements DatasetSource {
  readonly dir: string;
  readonly manifest: ShardManifest;
  readonly schema: FieldSchema;
  /** A shuffled epoch's window and read buffers, kept for the next epoch (`reuseChunks`). */
  private spare: { window: ConcatBuffer; pool: Uint8Array[] } | undefined;

  private constructor(dir: string, manifest: ShardManifest, schema: FieldSchema) {
    this.dir = dir;
    this.manifest = manifest;
    this.schema = schema;
  }

  /** Opens a shard directory (reads and checks its manifest; no shard is read). */
  static async open(dir: string): Promise<ShardedDataset> {
    const path = join(dir, SHARDS_MANIFEST);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT' ? `${dir}: not a sharded dataset (no ${SHARDS_MANIFEST}; an unfinished write leaves none)` : `${path}: cannot read (${code ?? (e as Error).message})`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
    }
    const { manifest, schema } = parseShardManifest(json, path);
    return new ShardedDataset(dir, manifest, schema);
  }

  get numRows(): number {
    return this.manifest.numRows;
  }
  get nnz(): number {
    return this.manifest.nnz;
  }
  get maxRowLength(): number {
    return this.manifest.maxRowLength;
  }
  get columns(): readonly string[] {
    return this.manifest.columns;
  }
  get numShards(): number {
    return this.manifest.shards.length;
  }
  /** Mean label over every row, from the manifest (undefined for a manifest written before it recorded label sums). */
  get labelMean(): number | undefined {
    let sum = 0;
    for (const s of this.manifest.shards) {
      if (s.labelSum === undefined) return undefined;
      sum += s.labelSum;
    }
    return this.numRows > 0 ? sum / this.numRows : undefined;
  }

  /**
   * The same dataset restricted to some of its shards, in the given order (no file is read or
   * written): a held-out shard for validation, or the first/next days of a log for a warm start.
   */
  selectShards(indices: readonly number[]): ShardedDataset {
    const shards = indices.map((i) => {
      const s = this.manifest.shards[i];
      if (!s || !Number.isInteger(i)) throw new Error(`ShardedDataset.selectShards: shard ${i} out of range [0, ${this.numShards})`);
      return s;
    });
    if (new Set(indices).size !== indices.length) throw new Error('ShardedDataset.selectShards: a shard is listed twice');
    const manifest: ShardManifest = {
      ...this.manifest,
      shards,
      numRows: shards.reduce((a, s) => a + s.rows, 0),
      nnz: shards.reduce((a, s) => a + s.nnz, 0),
      maxRowLength: shards.reduce((a, s) => Math.max(a, s.maxRowLength), 0),
    };
    return new ShardedDataset(this.dir, manifest, this.schema);
  }

  /** The encoder recorded in the manifest (to encode test files the same way), if any. */
  encoder(): Encoder | undefined {
    if (!this.manifest.encoder) return undefined;
    try {
      return Encoder.fromJSON(this.manifest.encoder);
    } catch (e) {
      throw new Error(`${join(this.dir, SHARDS_MANIFEST)}: bad "encoder": ${(e as Error).message}`);
    }
  }

  /** Default shuffle buffer: twice the largest shard's rows, at least 65,536 (at most every row). */
  get defaultShuffleBuffer(): number {
    const largest = this.manifest.shards.reduce((m, s) => Math.max(m, s.rows), 0);
    return Math.max(1, Math.min(this.numRows, Math.max(65_536, 2 * largest)));
  }

  /**
   * Shard `i` in memory (its arrays are views over the file's bytes), under the manifest's schema;
   * checked against the manifest's row and non-zero counts.
   */
  async readShard(i: number, options: { shared?: boolean } = {}): Promise<SparseDataset> {
    return (await this.loadShard(i, options.shared ?? false)).ds;
  }

  /** {@link readShard}, read into `spare` when it has room; also returns the buffer the arrays view (to recycle). */
  private async loadShard(i: number, shared: boolean, spare?: Uint8Array): Promise<{ ds: SparseDataset; bytes: Uint8Array }> {
    const info = this.manifest.shards[i];
    if (!info) throw new Error(`ShardedDataset: shard ${i} out of range [0, ${this.numShards})`);
    const path = join(this.dir, info.file);
    let ds: SparseDataset;
    let bytes: Uint8Array;
    try {
      const read = await readBytes(path, shared, spare);
      bytes = spare && read.buffer === spare.buffer ? spare : read;
      ds = datasetFromIPC(read);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    if (ds.numRows !== info.rows || ds.nnz !== info.nnz) {
      throw new Error(`${path}: ${ds.numRows} rows / ${ds.nnz} non-zeros, the manifest says ${info.rows} / ${info.nnz}`);
    }
    const why = compatible(this.schema, ds.schema);
    if (why) throw new Error(`${path}: does not match the manifest's schema: ${why}`);
    const cols = Object.keys(ds.columns).sort().join(', ');
    if (cols !== [...this.manifest.columns].sort().join(', ')) throw new Error(`${path}: side columns [${cols}], the manifest says [${this.manifest.columns.join(', ')}]`);
    const { labels, offsets, ids, values, fields, columns } = ds;
    return { ds: new SparseDataset({ schema: this.schema, labels, offsets, ids, values, fields, columns: columns as Record<string, RowColumn> }, { validate: false }), bytes };
  }

  /**
   * Reads shards in `order`, keeping up to `ahead` (≥ 1) reads in flight beyond the one being
   * consumed; with `pool`, each read goes into a buffer taken from it when one is there.
   */
  private async *shardsInOrder(order: ArrayLike<number>, shared: boolean, ahead = 1, pool?: Uint8Array[]): AsyncGenerator<{ ds: SparseDataset; bytes: Uint8Array }> {
    const pending: Promise<{ ds: SparseDataset; bytes: Uint8Array }>[] = [];
    let next = 0;
    const fill = () => {
      while (next < order.length && pending.length < ahead) {
        const p = this.loadShard(order[next++] as number, shared, pool?.pop());
        // Keep a pending read from surfacing as an unhandled rejection if the consumer stops early.
        p.catch(() => undefined);
        pending.push(p);
      }
    };
    fill();
    while (pending.length > 0) {
      const cur = await (pending.shift() as Promise<{ ds: SparseDataset; bytes: Uint8Array }>);
      fill();
      yield cur;
    }
  }

  /** One epoch's chunks (see the class comment for the order). */
  async *chunks(options: ChunkOptions = {}): AsyncGenerator<SourceChunk> {
    checkChunkOptions(options, 'ShardedDataset.chunks');
    const shared = options.sharedMemory ?? false;
    const n = this.numShards;
    const identity = Array.from({ length: n }, (_, i) => i);
    if (!options.shuffle) {
      const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
      for await (const { ds } of this.shardsInOrder(identity, shared)) {
        for (let s = 0; s < ds.numRows; s += chunkRows) yield { data: s === 0 && chunkRows >= ds.numRows ? ds : ds.slice(s, s + chunkRows) };
      }
      return;
    }
    const seed = epochSeed(options.seed ?? 0, options.epoch ?? 0);
    const buffer = options.shuffleBuffer ?? this.defaultShuffleBuffer;
    if (buffer >= this.numRows) {
      const parts: SparseDataset[] = [];
      for await (const { ds } of this.shardsInOrder(identity, shared)) parts.push(ds);
      if (parts.length === 0) return;
      const all = parts.length === 1 ? (parts[0] as SparseDataset) : concatDatasets(parts, { schema: this.schema, shared });
      parts.length = 0;
      yield* wholeChunks(all, options);
      return;
    }
    const rng = new Rng(seed);
    const shardOrder = rng.permutation(n);
    // Shard bytes never leave this loop (each piece is copied into the window at once), so their
    // buffers are recycled: the next shard is read ahead into one. With `reuseChunks`, every window
    // is built in the same buffer, and buffer and read buffers are kept for the next epoch: fresh
    // pages are touched once, not per window or epoch.
    const kit = options.reuseChunks && this.spare && this.spare.window.isShared === shared && this.spare.window.rowCapacity >= buffer ? this.spare : undefined;
    if (kit) this.spare = undefined;
    const pool = kit?.pool ?? [];
    let window: ConcatBuffer | undefined = kit?.window;
    // Read about one window ahead, so the next window's reads overlap this window's training.
    const ahead = Math.max(1, Math.min(n, Math.ceil(buffer / Math.max(1, this.numRows / Math.max(1, n)))));
    const shards = this.shardsInOrder(shardOrder, false, ahead, pool);
    try {
      let cur: { ds: SparseDataset; bytes: Uint8Array } | undefined;
      let pos = 0;
      // The first window is 1..buffer rows (seeded), so windows straddle shard boundaries at places
      // that change every epoch: rows of neighbouring shards mix even when a shard is a whole window.
      let want = 1 + rng.int(buffer);
      for (;;) {
        if (!window || !options.reuseChunks) {
          const rows = options.reuseChunks ? buffer : want; // a reused window is sized for every later one
          const nnz = Math.min(this.nnz, Math.ceil(rows * (this.nnz / Math.max(1, this.numRows)) * 1.05) + this.maxRowLength);
          window = new ConcatBuffer(this.schema, rows, nnz, shared);
        }
        while (window.numRows < want) {
          if (!cur || pos >= cur.ds.numRows) {
            if (cur) pool.push(cur.bytes); // copied out: its buffer takes a later read
            const r = await shards.next();
            cur = r.done ? undefined : r.value;
            pos = 0;
            if (!cur) break;
            continue;
          }
          const take = Math.min(want - window.numRows, cur.ds.numRows - pos);
          window.append(cur.ds, pos, pos + take);
          pos += take;
        }
        const rows = window.numRows;
        if (rows === 0) break;
        yield* orderChunks(window.take(), rng.permutation(rows), options.chunkRows);
        want = buffer;
      }
    } finally {
      await shards.return(undefined);
      if (options.reuseChunks && window) this.spare = { window, pool };
    }
  }
}
