import type { FieldSchema } from './field-schema.js';
import { SparseDataset, type RowColumn } from './sparse-dataset.js';

type Typed = Int32Array | Float32Array | Float64Array;

/**
 * A typed array of `n` elements of the same kind as `like`, on a SharedArrayBuffer when `shared`
 * (so worker threads can use it without a copy). @internal
 */
export function allocLike<T extends Typed>(like: T | (new (n: number) => T), n: number, shared = false): T {
  const Ctor = (typeof like === 'function' ? like : like.constructor) as new (b: ArrayBufferLike | number) => T;
  if (!shared) return new Ctor(n);
  const bytes = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(new SharedArrayBuffer(n * bytes));
}

/**
 * Rows appended one range after another into arrays it owns (bulk `TypedArray.set` copies; only
 * the offsets are rebased row by row), taken out as one dataset: the home of every concatenation.
 * After {@link take} the same arrays are filled again, so a stream of windows built in one buffer
 * touches fresh memory once (fresh pages cost more than the copy itself on some machines); the
 * arrays grow (by half) when a row range does not fit. @internal
 */
export class ConcatBuffer {
  private readonly schema: FieldSchema;
  private readonly shared: boolean;
  private labels: Float32Array;
  private offsets: Int32Array;
  private ids: Int32Array;
  private values: Float32Array;
  private fields: Int32Array;
  private columns: Record<string, RowColumn> | undefined;
  private rows = 0;
  private nnz = 0;

  constructor(schema: FieldSchema, rows: number, nnz: number, shared = false) {
    this.schema = schema;
    this.shared = shared;
    this.labels = allocLike(Float32Array, rows, shared);
    this.offsets = allocLike(Int32Array, rows + 1, shared);
    this.ids = allocLike(Int32Array, nnz, shared);
    this.values = allocLike(Float32Array, nnz, shared);
    this.fields = allocLike(Int32Array, nnz, shared);
  }

  /** Rows held (appended since the last {@link take}). */
  get numRows(): number {
    return this.rows;
  }

  /** True when the arrays are on SharedArrayBuffers. */
  get isShared(): boolean {
    return this.shared;
  }

  /** Room for rows (without growing). */
  get rowCapacity(): number {
    return this.labels.length;
  }

  /** Appends rows `[start, end)` of `p` (its side columns must be those of the first rows appended). */
  append(p: SparseDataset, start = 0, end = p.numRows): void {
    const m = end - start;
    const base = p.offsets[start] as number;
    const pz = (p.offsets[end] as number) - base;
    const r0 = this.rows;
    const z0 = this.nnz;
    const grow = <T extends Typed>(a: T, n: number, keep: number): T => {
      if (n <= a.length) return a;
      const next = allocLike(a, Math.max(n, Math.ceil(a.length * 1.5)), this.shared);
      next.set(a.subarray(0, keep));
      return next;
    };
    this.labels = grow(this.labels, r0 + m, r0);
    this.offsets = grow(this.offsets, r0 + m + 1, r0 + 1);
    this.ids = grow(this.ids, z0 + pz, z0);
    this.values = grow(this.values, z0 + pz, z0);
    this.fields = grow(this.fields, z0 + pz, z0);
    const cols = (this.columns ??= Object.fromEntries(Object.entries(p.columns).map(([n, c]) => [n, allocLike(c, this.labels.length, this.shared)])));
    for (const n of Object.keys(cols)) cols[n] = grow(cols[n] as RowColumn, r0 + m, r0);
    this.labels.set(p.labels.subarray(start, end), r0);
    const off = this.offsets;
    const src = p.offsets;
    off[0] = 0;
    const shift = z0 - base;
    for (let r = 1; r <= m; r++) off[r0 + r] = (src[start + r] as number) + shift;
    this.ids.set(p.ids.subarray(base, base + pz), z0);
    this.values.set(p.values.subarray(base, base + pz), z0);
    this.fields.set(p.fields.subarray(base, base + pz), z0);
    for (const [n, c] of Object.entries(cols)) c.set((p.columns[n] as RowColumn).subarray(start, end), r0);
    this.rows += m;
    this.nnz += pz;
  }

  /**
   * The rows appended so far as one dataset (views over this buffer's arrays, valid until rows
   * are appended again); the buffer is then empty.
   */
  take(): SparseDataset {
    const m = this.rows;
    const z = this.nnz;
    this.rows = 0;
    this.nnz = 0;
    const columns: Record<string, RowColumn> = {};
    for (const [n, c] of Object.entries(this.columns ?? {})) columns[n] = c.subarray(0, m);
    if (m === 0) this.offsets[0] = 0;
    return new SparseDataset(
      {
        schema: this.schema,
        labels: this.labels.subarray(0, m),
        offsets: this.offsets.subarray(0, m + 1),
        ids: this.ids.subarray(0, z),
        values: this.values.subarray(0, z),
        fields: this.fields.subarray(0, z),
        columns,
      },
      { validate: false },
    );
  }
}

/**
 * The rows of `parts`, one after another, as one new dataset (copies: one bulk copy per array of
 * each part). Every part must have the same side columns; `schema` (default: the first part's) is
 * the schema of the result; ids are copied as they are. `shared` puts the arrays on
 * SharedArrayBuffers.
 */
export function concatDatasets(parts: readonly SparseDataset[], options: { schema?: FieldSchema; shared?: boolean } = {}): SparseDataset {
  const first = parts[0];
  if (!first) throw new Error('concatDatasets: at least one dataset is required');
  const names = Object.keys(first.columns).sort();
  let rows = 0;
  let nnz = 0;
  parts.forEach((p, i) => {
    const pn = Object.keys(p.columns).sort();
    if (pn.length !== names.length || pn.some((n, j) => n !== names[j])) {
      throw new Error(`concatDatasets: part ${i} has side columns [${pn.join(', ')}], part 0 has [${names.join(', ')}]`);
    }
    rows += p.numRows;
    nnz += p.nnz;
  });
  const out = new ConcatBuffer(options.schema ?? first.schema, rows, nnz, options.shared ?? false);
  for (const p of parts) out.append(p);
  return out.take();
}
