import { allocLike } from './concat-datasets.js';
import type { FieldSchema } from './field-schema.js';
import type { Rng } from './rng.js';
import { SparseDataset, type RowColumn } from './sparse-dataset.js';

/** Options of {@link ShuffleBuffer}. */
export interface ShuffleBufferOptions {
  /** Schema of the rows (and of the chunks it emits). */
  schema: FieldSchema;
  /** Rows held before any is emitted (≥ 1): the shuffle window. */
  capacity: number;
  /** Most rows per emitted chunk (≥ 1). */
  chunkRows: number;
  /** Side columns every pushed dataset carries, with an example array of each column's type. */
  columns?: Record<string, RowColumn>;
  /** Expected features per row, to size the feature store up front (it grows when needed). */
  rowLength?: number;
  /** Emit chunks whose arrays live on SharedArrayBuffers. */
  shared?: boolean;
  /**
   * Longest row that will be pushed. When given, rows live in fixed slots of this width (no
   * compaction; the fast path for rows of (nearly) equal length, e.g. one id per CTR field);
   * memory is then `capacity × slotWidth` features instead of about 1.5 × `capacity` rows.
   */
  slotWidth?: number;
}

/**
 * A bounded shuffle buffer over sparse rows (the shuffle-buffer scheme of streaming input
 * pipelines, e.g. `tf.data.Dataset.shuffle`): pushed rows are copied into a compact store; while
 * it holds more than `capacity` rows, rows picked uniformly at random among those held are
 * emitted; {@link drain} emits the rest in random order. Every pushed row is emitted exactly once.
 * Memory is about 1.5 × `capacity` rows, whatever the number of rows pushed: the store is an arena
 * that is compacted (live rows moved to the front) when full, amortised O(1) copies per row. With
 * `slotWidth`, rows sit in fixed slots instead and each incoming row takes the slot of the row it
 * sends out (tf.data's scheme exactly): two copies per row, no compaction.
 */
export class ShuffleBuffer {
  private readonly schema: FieldSchema;
  private readonly capacity: number;
  private readonly chunkRows: number;
  private readonly rng: Rng;
  private readonly shared: boolean;
  private readonly rowCap: number;
  private readonly colNames: string[];
  private labels: Float32Array;
  private start: Int32Array;
  private len: Int32Array;
  private cols: RowColumn[];
  private ids: Int32Array;
  private values: Float32Array;
  private fields: Int32Array;
  /** Arena row ids of the rows held, in no particular order. */
  private live: Int32Array;
  private liveCount = 0;
  private arenaRows = 0;
  private arenaNnz = 0;
  /** Slot mode: the slot width (0 = arena mode), and the chunk being filled. */
  private readonly width: number;
  private out: OutChunk | undefined;

  constructor(options: ShuffleBufferOptions, rng: Rng) {
    const { capacity, chunkRows } = options;
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ShuffleBuffer: capacity must be an integer ≥ 1, got ${capacity}`);
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new Error(`ShuffleBuffer: chunkRows must be an integer ≥ 1, got ${chunkRows}`);
    this.schema = options.schema;
    this.capacity = capacity;
    this.chunkRows = chunkRows;
    this.rng = rng;
    this.shared = options.shared ?? false;
    const w = options.slotWidth ?? 0;
    if (!Number.isInteger(w) || w < 0) throw new Error(`ShuffleBuffer: slotWidth must be an integer ≥ 1, got ${w}`);
    this.width = w;
    this.rowCap = w > 0 ? capacity : capacity + Math.max(capacity >> 1, chunkRows);
    this.colNames = Object.keys(options.columns ?? {}).sort();
    this.labels = new Float32Array(this.rowCap);
    this.start = new Int32Array(this.rowCap);
    this.len = new Int32Array(this.rowCap);
    this.cols = this.colNames.map((n) => allocLike((options.columns as Record<string, RowColumn>)[n] as RowColumn, this.rowCap));
    const nnzCap = w > 0 ? capacity * w : Math.max(1024, Math.ceil(this.rowCap * Math.max(1, options.rowLength ?? 1)));
    this.ids = new Int32Array(nnzCap);
    this.values = new Float32Array(nnzCap);
    this.fields = new Int32Array(nnzCap);
    this.live = new Int32Array(this.rowCap);
  }

  /** Number of rows held. */
  get size(): number {
    return this.liveCount;
  }

  /** Adds the rows of `ds`; returns the chunks emitted meanwhile (rows beyond the capacity). */
  push(ds: SparseDataset): SparseDataset[] {
    const names = Object.keys(ds.columns).sort();
    if (names.length !== this.colNames.length || names.some((n, i) => n !== this.colNames[i])) {
      throw new Error(`ShuffleBuffer.push: rows carry side columns [${names.join(', ')}], expected [${this.colNames.join(', ')}]`);
    }
    if (this.width > 0) return this.pushSlots(ds);
    const out: SparseDataset[] = [];
    const step = this.rowCap - this.capacity;
    for (let s = 0; s < ds.numRows; s += step) {
      const e = Math.min(ds.numRows, s + step);
      this.append(ds, s, e);
      if (this.liveCount > this.capacity) out.push(...this.emit(this.liveCount - this.capacity));
    }
    return out;
  }

  /** Emits every row still held, in random order. */
  drain(): SparseDataset[] {
    if (this.width === 0) return this.emit(this.liveCount);
    const done: SparseDataset[] = [];
    const order = this.rng.permutation(this.liveCount);
    for (let i = 0; i < order.length; i++) this.emitSlot(order[i] as number, done);
    this.liveCount = 0;
    if (this.out && this.out.rows > 0) done.push(this.finishOut());
    return done;
  }

  /** Slot mode: each row goes to a free slot, or replaces a random held row, which is emitted. */
  private pushSlots(ds: SparseDataset): SparseDataset[] {
    const done: SparseDataset[] = [];
    const W = this.width;
    const { ids, values, fields, len, labels } = this;
    for (let r = 0; r < ds.numRows; r++) {
      const a = ds.offsets[r] as number;
      const l = (ds.offsets[r + 1] as number) - a;
      if (l > W) throw new Error(`ShuffleBuffer.push: a row has ${l} features, more than the slot width ${W}`);
      let slot: number;
      if (this.liveCount < this.capacity) slot = this.liveCount++;
      else {
        slot = this.rng.int(this.capacity);
        this.emitSlot(slot, done);
      }
      const o = slot * W;
      for (let j = 0; j < l; j++) {
        ids[o + j] = ds.ids[a + j] as number;
        values[o + j] = ds.values[a + j] as number;
        fields[o + j] = ds.fields[a + j] as number;
      }
      len[slot] = l;
      labels[slot] = ds.labels[r] as number;
      for (let c = 0; c < this.cols.length; c++) (this.cols[c] as RowColumn)[slot] = (ds.columns[this.colNames[c] as string] as RowColumn)[r] as number;
    }
    return done;
  }

  /** Copies the row in `slot` to the chunk being filled; a full chunk goes to `done`. */
  private emitSlot(slot: number, done: SparseDataset[]): void {
    const W = this.width;
    const out = (this.out ??= this.newOut());
    const l = this.len[slot] as number;
    const o = out.nnz;
    const s0 = slot * W;
    for (let j = 0; j < l; j++) {
      out.ids[o + j] = this.ids[s0 + j] as number;
      out.values[o + j] = this.values[s0 + j] as number;
      out.fields[o + j] = this.fields[s0 + j] as number;
    }
    out.labels[out.rows] = this.labels[slot] as number;
    for (let c = 0; c < this.cols.length; c++) (out.cols[c] as RowColumn)[out.rows] = (this.cols[c] as RowColumn)[slot] as number;
    out.nnz += l;
    out.offsets[++out.rows] = out.nnz;
    if (out.rows === this.chunkRows) done.push(this.finishOut());
  }

  private newOut(): OutChunk {
    const n = this.chunkRows;
    const z = n * this.width;
    const sh = this.shared;
    return {
      rows: 0,
      nnz: 0,
      labels: allocLike(Float32Array, n, sh),
      offsets: allocLike(Int32Array, n + 1, sh),
      ids: allocLike(Int32Array, z, sh),
      values: allocLike(Float32Array, z, sh),
      fields: allocLike(Int32Array, z, sh),
      cols: this.cols.map((c) => allocLike(c, n, sh)),
    };
  }

  private finishOut(): SparseDataset {
    const o = this.out as OutChunk;
    this.out = undefined;
    const m = o.rows;
    const columns: Record<string, RowColumn> = {};
    this.colNames.forEach((n, i) => (columns[n] = (o.cols[i] as RowColumn).subarray(0, m) as RowColumn));
    return new SparseDataset(
      {
        schema: this.schema,
        labels: o.labels.subarray(0, m),
        offsets: o.offsets.subarray(0, m + 1),
        ids: o.ids.subarray(0, o.nnz),
        values: o.values.subarray(0, o.nnz),
        fields: o.fields.subarray(0, o.nnz),
        columns,
      },
      { validate: false },
    );
  }

  private append(ds: SparseDataset, s: number, e: number): void {
    const rows = e - s;
    const a = ds.offsets[s] as number;
    const b = ds.offsets[e] as number;
    const nnz = b - a;
    if (this.arenaRows + rows > this.rowCap || this.arenaNnz + nnz > this.ids.length) this.compact(nnz);
    const r0 = this.arenaRows;
    const z0 = this.arenaNnz;
    this.labels.set(ds.labels.subarray(s, e), r0);
    for (let r = 0; r < rows; r++) {
      const o = ds.offsets[s + r] as number;
      this.start[r0 + r] = z0 + o - a;
      this.len[r0 + r] = (ds.offsets[s + r + 1] as number) - o;
      this.live[this.liveCount++] = r0 + r;
    }
    this.ids.set(ds.ids.subarray(a, b), z0);
    this.values.set(ds.values.subarray(a, b), z0);
    this.fields.set(ds.fields.subarray(a, b), z0);
    this.colNames.forEach((n, i) => (this.cols[i] as RowColumn).set((ds.columns[n] as RowColumn).subarray(s, e), r0));
    this.arenaRows += rows;
    this.arenaNnz += nnz;
  }

  /** Moves the live rows to the front of the arena; grows the feature store to fit `need` more. */
  private compact(need: number): void {
    const mark = new Uint8Array(this.arenaRows);
    for (let i = 0; i < this.liveCount; i++) mark[this.live[i] as number] = 1;
    let w = 0;
    let z = 0;
    for (let r = 0; r < this.arenaRows; r++) {
      if (!mark[r]) continue;
      const a = this.start[r] as number;
      const l = this.len[r] as number;
      if (a !== z) {
        this.ids.copyWithin(z, a, a + l);
        this.values.copyWithin(z, a, a + l);
        this.fields.copyWithin(z, a, a + l);
      }
      if (r !== w) {
        this.labels[w] = this.labels[r] as number;
        for (const c of this.cols) c[w] = c[r] as number;
        this.len[w] = l;
      }
      this.start[w] = z;
      this.live[w] = w;
      z += l;
      w++;
    }
    this.arenaRows = w;
    this.arenaNnz = z;
    this.liveCount = w;
    if (z + need > this.ids.length) {
      const cap = Math.max(2 * this.ids.length, z + need);
      const grow = <T extends Int32Array | Float32Array>(old: T): T => {
        const next = allocLike(old, cap);
        next.set(old.subarray(0, z));
        return next;
      };
      this.ids = grow(this.ids);
      this.values = grow(this.values);
      this.fields = grow(this.fields);
    }
  }

  /** Picks `count` held rows uniformly at random (without replacement) and copies them out in chunks. */
  private emit(count: number): SparseDataset[] {
    const picked = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const j = this.rng.int(this.liveCount);
      picked[i] = this.live[j] as number;
      this.live[j] = this.live[--this.liveCount] as number;
    }
    const out: SparseDataset[] = [];
    for (let s = 0; s < count; s += this.chunkRows) out.push(this.copyRows(picked.subarray(s, Math.min(count, s + this.chunkRows))));
    return out;
  }

  private copyRows(rows: Int32Array): SparseDataset {
    const m = rows.length;
    const shared = this.shared;
    const offsets = allocLike(Int32Array, m + 1, shared);
    for (let i = 0; i < m; i++) offsets[i + 1] = (offsets[i] as number) + (this.len[rows[i] as number] as number);
    const nnz = offsets[m] as number;
    const labels = allocLike(Float32Array, m, shared);
    const ids = allocLike(Int32Array, nnz, shared);
    const values = allocLike(Float32Array, nnz, shared);
    const fields = allocLike(Int32Array, nnz, shared);
    const cols = this.cols.map((c) => allocLike(c, m, shared));
    for (let i = 0; i < m; i++) {
      const r = rows[i] as number;
      const a = this.start[r] as number;
      const o = offsets[i] as number;
      const l = this.len[r] as number;
      labels[i] = this.labels[r] as number;
      for (let j = 0; j < l; j++) {
        ids[o + j] = this.ids[a + j] as number;
        values[o + j] = this.values[a + j] as number;
        fields[o + j] = this.fields[a + j] as number;
      }
      for (let c = 0; c < cols.length; c++) (cols[c] as RowColumn)[i] = (this.cols[c] as RowColumn)[r] as number;
    }
    const columns: Record<string, RowColumn> = {};
    this.colNames.forEach((n, i) => (columns[n] = cols[i] as RowColumn));
    return new SparseDataset({ schema: this.schema, labels, offsets, ids, values, fields, columns }, { validate: false });
  }
}

/** The chunk a slot-mode buffer is filling. */
interface OutChunk {
  rows: number;
  nnz: number;
  labels: Float32Array;
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
  fields: Int32Array;
  cols: RowColumn[];
}
