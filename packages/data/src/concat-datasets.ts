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
 * The rows of `parts`, one after another, as one new dataset (copies). Every part must have the
 * same side columns; `schema` (default: the first part's) is the schema of the result; ids are copied
 * as they are. `shared` puts the arrays on SharedArrayBuffers.
 */
export function concatDatasets(parts: readonly SparseDataset[], options: { schema?: FieldSchema; shared?: boolean } = {}): SparseDataset {
  const first = parts[0];
  if (!first) throw new Error('concatDatasets: at least one dataset is required');
  const schema = options.schema ?? first.schema;
  const shared = options.shared ?? false;
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
  const labels = allocLike(Float32Array, rows, shared);
  const offsets = allocLike(Int32Array, rows + 1, shared);
  const ids = allocLike(Int32Array, nnz, shared);
  const values = allocLike(Float32Array, nnz, shared);
  const fields = allocLike(Int32Array, nnz, shared);
  const columns: Record<string, RowColumn> = {};
  for (const n of names) columns[n] = allocLike(first.columns[n] as RowColumn, rows, shared);
  let r0 = 0;
  let z0 = 0;
  for (const p of parts) {
    const pz = p.nnz;
    labels.set(p.labels, r0);
    const base = p.offsets[0] as number;
    for (let r = 1; r <= p.numRows; r++) offsets[r0 + r] = z0 + (p.offsets[r] as number) - base;
    ids.set(p.ids.subarray(base, base + pz), z0);
    values.set(p.values.subarray(base, base + pz), z0);
    fields.set(p.fields.subarray(base, base + pz), z0);
    for (const n of names) (columns[n] as RowColumn).set(p.columns[n] as RowColumn, r0);
    r0 += p.numRows;
    z0 += pz;
  }
  return new SparseDataset({ schema, labels, offsets, ids, values, fields, columns }, { validate: false });
}
