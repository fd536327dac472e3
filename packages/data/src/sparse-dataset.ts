import { FieldSchema } from './field-schema.js';
import { Rng } from './rng.js';

/** A per-row side column kept next to the features (raw user/item ids, timestamps, groups). */
export type RowColumn = Int32Array | Float32Array | Float64Array;

/** The arrays that make up a {@link SparseDataset}, in CSR layout. */
export interface SparseDatasetInit {
  schema: FieldSchema;
  /** `[rows]` targets: ratings, 0/1 clicks, or relevance. */
  labels: Float32Array;
  /** `[rows + 1]` CSR row offsets into ids/values/fields, starting at 0. */
  offsets: Int32Array;
  /** `[nnz]` global feature ids (see {@link FieldSchema.offsets}). */
  ids: Int32Array;
  /** `[nnz]` feature values (1 for one-hot, raw number for numeric, weight for multi-hot). */
  values: Float32Array;
  /** `[nnz]` field index of each feature; derived from the schema when omitted. */
  fields?: Int32Array;
  /** Optional per-row side columns, each `[rows]`. */
  columns?: Record<string, RowColumn>;
}

/**
 * A dense, padded mini-batch: row r's features sit at `[r * width, (r + 1) * width)`; rows with
 * fewer than `width` features are padded with id 0 and value 0, which contributes nothing to any
 * FM-family model (every term is multiplied by the feature value).
 */
export interface DenseBatch {
  /** Number of rows B. */
  size: number;
  /** Features per row W (the dataset's maximum row length). */
  width: number;
  /** `[B * W]` global feature ids, row-major `[B, W]`. */
  ids: Int32Array;
  /** `[B * W]` feature values, row-major `[B, W]`. */
  values: Float32Array;
  /** `[B * W]` field index per slot (0 in padding). */
  fields: Int32Array;
  /** `[B]` labels. */
  labels: Float32Array;
}

/** Where {@link SparseDataset.gatherRows} writes rows: `[B * W]` ids and values, optionally `[B]` labels and `[B * W]` fields. */
export interface RowTargets {
  ids: Int32Array;
  values: Float32Array;
  labels?: Float32Array;
  fields?: Int32Array;
}

/**
 * Rows of at most this many features are copied into a dense batch by plain loops; longer ones by
 * `TypedArray.set` (a 2048-row batch of 10 fields: 0.6 vs 1.7 ms; of 200 fields: 6.0 vs 2.9 ms).
 */
const SHORT_ROW = 64;

/**
 * A labelled sparse dataset in CSR form over a {@link FieldSchema}, stored as typed arrays that map
 * one-to-one onto an Apache Arrow table (see `toArrowTable`/`writeArrow` in `arrow-io.ts`).
 * Slices are zero-copy views.
 */
export class SparseDataset {
  readonly schema: FieldSchema;
  readonly labels: Float32Array;
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  readonly values: Float32Array;
  readonly fields: Int32Array;
  readonly columns: Readonly<Record<string, RowColumn>>;
  /** Longest row, the width of dense batches. */
  readonly maxRowLength: number;

  constructor(init: SparseDatasetInit, options: { validate?: boolean } = {}) {
    this.schema = init.schema;
    this.labels = init.labels;
    this.offsets = init.offsets;
    this.ids = init.ids;
    this.values = init.values;
    const rows = init.labels.length;
    if (init.offsets.length !== rows + 1) {
      throw new Error(`SparseDataset: offsets has length ${init.offsets.length}, expected rows + 1 = ${rows + 1}`);
    }
    const nnz = init.offsets[rows] as number;
    if (init.offsets[0] !== 0) throw new Error('SparseDataset: offsets[0] must be 0');
    if (init.ids.length !== nnz || init.values.length !== nnz) {
      throw new Error(`SparseDataset: ids (${init.ids.length}) and values (${init.values.length}) must both have nnz = ${nnz} entries`);
    }
    if (init.fields) {
      if (init.fields.length !== nnz) throw new Error(`SparseDataset: fields has ${init.fields.length} entries, expected ${nnz}`);
      this.fields = init.fields;
    } else {
      const table = init.schema.featureFieldTable();
      this.fields = new Int32Array(nnz);
      for (let i = 0; i < nnz; i++) this.fields[i] = table[init.ids[i] as number] ?? 0;
    }
    const cols: Record<string, RowColumn> = {};
    for (const [name, col] of Object.entries(init.columns ?? {})) {
      if (col.length !== rows) throw new Error(`SparseDataset: column "${name}" has ${col.length} rows, expected ${rows}`);
      cols[name] = col;
    }
    this.columns = cols;
    let maxLen = 0;
    for (let r = 0; r < rows; r++) {
      const len = (init.offsets[r + 1] as number) - (init.offsets[r] as number);
      if (len < 0) throw new Error(`SparseDataset: offsets decrease at row ${r}`);
      if (len > maxLen) maxLen = len;
    }
    this.maxRowLength = maxLen;
    if (options.validate !== false) this.validate();
  }

  /** Checks every id is inside the schema and every label/value finite; throws naming the row. */
  validate(): void {
    const n = this.schema.numFeatures;
    for (let r = 0; r < this.numRows; r++) {
      const y = this.labels[r] as number;
      if (!Number.isFinite(y)) throw new Error(`SparseDataset: label of row ${r} is ${y}, expected a finite number`);
      for (let j = this.offsets[r] as number; j < (this.offsets[r + 1] as number); j++) {
        const id = this.ids[j] as number;
        if (id < 0 || id >= n) {
          throw new Error(`SparseDataset: row ${r} has feature id ${id}, outside [0, ${n}) of the schema`);
        }
        const v = this.values[j] as number;
        if (!Number.isFinite(v)) throw new Error(`SparseDataset: row ${r} has feature value ${v}, expected a finite number`);
      }
    }
  }

  /** Number of rows. */
  get numRows(): number {
    return this.labels.length;
  }

  /** Number of stored non-zeros. */
  get nnz(): number {
    return this.offsets[this.numRows] as number;
  }

  /** Feature ids of row r (a zero-copy view). */
  rowIds(r: number): Int32Array {
    return this.ids.subarray(this.offsets[r], this.offsets[r + 1]);
  }

  /** Feature values of row r (a zero-copy view). */
  rowValues(r: number): Float32Array {
    return this.values.subarray(this.offsets[r], this.offsets[r + 1]);
  }

  /** Rows `[start, end)` as a dataset sharing this one's buffers (offsets are rebased, a small copy). */
  slice(start: number, end: number = this.numRows): SparseDataset {
    const s = Math.max(0, Math.min(start, this.numRows));
    const e = Math.max(s, Math.min(end, this.numRows));
    const base = this.offsets[s] as number;
    const top = this.offsets[e] as number;
    const offsets = new Int32Array(e - s + 1);
    for (let r = s; r <= e; r++) offsets[r - s] = (this.offsets[r] as number) - base;
    const columns: Record<string, RowColumn> = {};
    for (const [k, c] of Object.entries(this.columns)) columns[k] = c.subarray(s, e);
    return new SparseDataset(
      {
        schema: this.schema,
        labels: this.labels.subarray(s, e),
        offsets,
        ids: this.ids.subarray(base, top),
        values: this.values.subarray(base, top),
        fields: this.fields.subarray(base, top),
        columns,
      },
      { validate: false },
    );
  }

  /** A new dataset holding the given rows, in the given order (copies). */
  select(rows: ArrayLike<number>): SparseDataset {
    const m = rows.length;
    const offsets = new Int32Array(m + 1);
    for (let i = 0; i < m; i++) {
      const r = rows[i] as number;
      if (r < 0 || r >= this.numRows || !Number.isInteger(r)) {
        throw new Error(`SparseDataset.select: row ${r} out of range [0, ${this.numRows})`);
      }
      offsets[i + 1] = (offsets[i] as number) + (this.offsets[r + 1] as number) - (this.offsets[r] as number);
    }
    const nnz = offsets[m] as number;
    const ids = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    const fields = new Int32Array(nnz);
    const labels = new Float32Array(m);
    for (let i = 0; i < m; i++) {
      const r = rows[i] as number;
      const a = this.offsets[r] as number;
      const b = this.offsets[r + 1] as number;
      const o = offsets[i] as number;
      ids.set(this.ids.subarray(a, b), o);
      values.set(this.values.subarray(a, b), o);
      fields.set(this.fields.subarray(a, b), o);
      labels[i] = this.labels[r] as number;
    }
    const columns: Record<string, RowColumn> = {};
    for (const [k, c] of Object.entries(this.columns)) {
      const out = new (c.constructor as new (n: number) => RowColumn)(m);
      for (let i = 0; i < m; i++) out[i] = c[rows[i] as number] as number;
      columns[k] = out;
    }
    return new SparseDataset({ schema: this.schema, labels, offsets, ids, values, fields, columns }, { validate: false });
  }

  /** The rows in a seeded random order (a copy); the same seed gives the same order. */
  shuffle(seed: number): SparseDataset {
    return this.select(new Rng(seed).permutation(this.numRows));
  }

  /**
   * Rows `[start, end)` as a padded dense batch of width {@link maxRowLength} (or `width`).
   * Pass `out` to reuse its buffers between steps (it must have room for `end - start` rows).
   */
  denseBatch(start: number, end: number, out?: DenseBatch, width: number = this.maxRowLength): DenseBatch {
    return this.denseBatchOf(undefined, start, end, out, width);
  }

  /**
   * The rows `order[start..end)` (or `start..end` when `order` is undefined) as a padded dense
   * batch; lets a trainer iterate a shuffled index without copying the dataset.
   */
  denseBatchOf(
    order: Int32Array | undefined,
    start: number,
    end: number,
    out?: DenseBatch,
    width: number = this.maxRowLength,
  ): DenseBatch {
    const b = end - start;
    if (width < this.maxRowLength) throw new Error(`SparseDataset.denseBatch: width ${width} < longest row ${this.maxRowLength}`);
    const batch: DenseBatch =
      out && out.ids.length >= b * width && out.width === width
        ? out
        : {
            size: b,
            width,
            ids: new Int32Array(b * width),
            values: new Float32Array(b * width),
            fields: new Int32Array(b * width),
            labels: new Float32Array(b),
          };
    batch.size = b;
    this.gatherRows(order, start, end, width, batch);
    return batch;
  }

  /**
   * Writes the rows `order[start..end)` (or `start..end` when `order` is undefined), padded to `width` (id 0,
   * value 0, field 0), into `into` from its row 0: ids and values, and labels and fields where `into` has them (a
   * trainer that needs no fields skips their reads). Full-width rows are read at `r · width`, without `offsets[r]`:
   * in a shuffled order every array read is a cache miss once the step's work has evicted the data, so a read fewer
   * per row is time saved.
   * @throws when `width` is below the longest row, or an array of `into` is too short for `end − start` rows.
   */
  gatherRows(order: Int32Array | undefined, start: number, end: number, width: number, into: RowTargets): void {
    const b = end - start;
    if (width < this.maxRowLength) throw new Error(`SparseDataset.gatherRows: width ${width} < longest row ${this.maxRowLength}`);
    const { ids: outIds, values: outValues, labels: outLabels, fields: outFields } = into;
    const room = (name: string, arr: Int32Array | Float32Array | undefined, need: number) => {
      if (arr && arr.length < need) throw new Error(`SparseDataset.gatherRows: ${name} holds ${arr.length} values, ${b} rows of width ${width} need ${need}`);
    };
    room('ids', outIds, b * width);
    room('values', outValues, b * width);
    room('fields', outFields, b * width);
    room('labels', outLabels, b);
    const { offsets, ids, values, fields, labels } = this;
    const fixed = this.isFixedWidth(width);
    for (let i = 0; i < b; i++) {
      const r = order ? (order[start + i] as number) : start + i;
      // full rows sit at r · width (offsets[0] = 0)
      const a = fixed ? r * width : (offsets[r] as number);
      const m = fixed ? width : (offsets[r + 1] as number) - a;
      const o = i * width;
      if (outLabels) outLabels[i] = labels[r] as number;
      if (width > SHORT_ROW) {
        outIds.set(ids.subarray(a, a + m), o);
        outValues.set(values.subarray(a, a + m), o);
        if (outFields) outFields.set(fields.subarray(a, a + m), o);
        if (m < width) {
          outIds.fill(0, o + m, o + width);
          outValues.fill(0, o + m, o + width);
          if (outFields) outFields.fill(0, o + m, o + width);
        }
        continue;
      }
      // short rows: plain loops (the arrays' misses overlap), with no subarray objects to allocate or calls to make
      if (outFields) {
        for (let j = 0; j < m; j++) {
          outIds[o + j] = ids[a + j] as number;
          outValues[o + j] = values[a + j] as number;
          outFields[o + j] = fields[a + j] as number;
        }
        for (let j = m; j < width; j++) outFields[o + j] = 0;
      } else {
        for (let j = 0; j < m; j++) {
          outIds[o + j] = ids[a + j] as number;
          outValues[o + j] = values[a + j] as number;
        }
      }
      for (let j = m; j < width; j++) {
        outIds[o + j] = 0;
        outValues[o + j] = 0;
      }
    }
  }

  /** Iterates dense batches over the rows, optionally in a seeded shuffled order, reusing one buffer. */
  *batches(batchSize: number, options: { shuffle?: boolean; seed?: number } = {}): IterableIterator<DenseBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
    const order = options.shuffle ? new Rng(options.seed ?? 0).permutation(this.numRows) : undefined;
    let buf: DenseBatch | undefined;
    for (let s = 0; s < this.numRows; s += batchSize) {
      const e = Math.min(this.numRows, s + batchSize);
      buf = this.denseBatchOf(order, s, e, buf);
      yield buf;
    }
  }

  private fixedWidthCache: boolean | undefined;
  /** True when every row has exactly `width` features, so batches are plain copies with no padding. */
  isFixedWidth(width: number = this.maxRowLength): boolean {
    if (this.fixedWidthCache === undefined) {
      let fixed = true;
      for (let r = 0; r < this.numRows && fixed; r++) {
        fixed = (this.offsets[r + 1] as number) - (this.offsets[r] as number) === this.maxRowLength;
      }
      this.fixedWidthCache = fixed;
    }
    return this.fixedWidthCache && width === this.maxRowLength;
  }
}
