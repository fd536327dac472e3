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
 * Arrays a concatenation may write into instead of allocating (see {@link concatDatasets}'s
 * `arena`): reused across calls, so a stream of windows touches fresh memory once, not per window.
 * Grown (replaced) when a concatenation needs more room. @internal
 */
export interface ConcatArena {
  labels?: Float32Array;
  offsets?: Int32Array;
  ids?: Int32Array;
  values?: Float32Array;
  fields?: Int32Array;
  columns?: Record<string, RowColumn>;
}

/** `arena[key]` when it holds at least `n` elements, else a new array stored there; `n` elements of it. */
function room<T extends Typed>(arena: ConcatArena | undefined, key: 'labels' | 'offsets' | 'ids' | 'values' | 'fields', like: T | (new (n: number) => T), n: number, shared: boolean): T {
  const have = arena?.[key] as T | undefined;
  if (have && have.length >= n && (have.buffer instanceof SharedArrayBuffer) === shared) return have.subarray(0, n) as T;
  const made = allocLike(like, arena ? Math.ceil(n * 1.25) : n, shared);
  if (arena) (arena as Record<string, Typed>)[key] = made;
  return made.subarray(0, n) as T;
}

/**
 * The rows of `parts`, one after another, as one new dataset (copies: one bulk copy per array of
 * each part). Every part must have the same side columns; `schema` (default: the first part's) is
 * the schema of the result; ids are copied as they are. `shared` puts the arrays on
 * SharedArrayBuffers. With `arena`, the result's arrays are views over the arena's (grown when
 * needed): the previous result from that arena is overwritten.
 */
export function concatDatasets(parts: readonly SparseDataset[], options: { schema?: FieldSchema; shared?: boolean; arena?: ConcatArena } = {}): SparseDataset {
  const first = parts[0];
  if (!first) throw new Error('concatDatasets: at least one dataset is required');
  const schema = options.schema ?? first.schema;
  const shared = options.shared ?? false;
  const arena = options.arena;
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
  const labels = room(arena, 'labels', Float32Array, rows, shared);
  const offsets = room(arena, 'offsets', Int32Array, rows + 1, shared);
  const ids = room(arena, 'ids', Int32Array, nnz, shared);
  const values = room(arena, 'values', Float32Array, nnz, shared);
  const fields = room(arena, 'fields', Int32Array, nnz, shared);
  const columns: Record<string, RowColumn> = {};
  for (const n of names) {
    const like = first.columns[n] as RowColumn;
    const have = arena?.columns?.[n];
    if (have && have.constructor === like.constructor && have.length >= rows && (have.buffer instanceof SharedArrayBuffer) === shared) columns[n] = have.subarray(0, rows);
    else {
      const made = allocLike(like, arena ? Math.ceil(rows * 1.25) : rows, shared);
      if (arena) (arena.columns ??= {})[n] = made;
      columns[n] = made.subarray(0, rows);
    }
  }
  offsets[0] = 0;
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
