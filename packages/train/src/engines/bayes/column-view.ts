import type { SparseDataset } from '@fm/data';

/**
 * A CSC (column-major) copy of a {@link SparseDataset}'s CSR features: the rows where each feature
 * is non-zero, the view the coordinate-wise solvers sweep (Rendle, "Factorization Machines with
 * libFM", ACM TIST 2012, §4: updating θ touches only the rows with h_θ(x) ≠ 0). Built once per
 * training set, O(nnz).
 */
export interface ColumnView {
  /** Number of features n (columns). */
  numFeatures: number;
  /** Number of rows. */
  numRows: number;
  /** `[n + 1]` column offsets into `rows` and `values`. */
  starts: Int32Array;
  /** `[nnz]` row index of each stored entry, ascending within a column. */
  rows: Int32Array;
  /** `[nnz]` feature value x_ij of each stored entry. */
  values: Float64Array;
  /** `[n]` Σ_i x_ij² per column (the data part of the linear weights' conditional precision). */
  sumSquares: Float64Array;
  /** Longest column (scratch size for a column pass). */
  maxColumnLength: number;
  /** `[n]` 1 where every stored value of the column is exactly 1 (one-hot ids), so a sweep can skip the multiplications by x. */
  unit: Uint8Array;
}

/**
 * Transposes `ds`'s CSR features into a {@link ColumnView} (a counting sort by feature id). Entries of the
 * feature ranges `[lo, hi)` in `skip` are left out (their columns are empty): the relational blocks, swept per key.
 */
export function buildColumnView(ds: SparseDataset, skip: readonly { lo: number; hi: number }[] = []): ColumnView {
  const n = ds.schema.numFeatures;
  const kept = new Uint8Array(n).fill(1);
  for (const { lo, hi } of skip) kept.fill(0, lo, hi);
  const rows = ds.numRows;
  const nnz = ds.nnz;
  const starts = new Int32Array(n + 1);
  const ids = ds.ids;
  let stored = 0;
  for (let j = 0; j < nnz; j++) {
    const id = ids[j] as number;
    if (kept[id] === 0) continue;
    starts[id + 1] = (starts[id + 1] as number) + 1;
    stored++;
  }
  let maxLen = 0;
  for (let c = 0; c < n; c++) {
    const len = starts[c + 1] as number;
    if (len > maxLen) maxLen = len;
    starts[c + 1] = (starts[c] as number) + len;
  }
  const fill = starts.slice(0, n);
  const outRows = new Int32Array(stored);
  const outValues = new Float64Array(stored);
  const sumSquares = new Float64Array(n);
  const offsets = ds.offsets;
  const values = ds.values;
  for (let r = 0; r < rows; r++) {
    for (let j = offsets[r] as number; j < (offsets[r + 1] as number); j++) {
      const c = ids[j] as number;
      if (kept[c] === 0) continue;
      const p = fill[c] as number;
      fill[c] = p + 1;
      const x = values[j] as number;
      outRows[p] = r;
      outValues[p] = x;
      sumSquares[c] = (sumSquares[c] as number) + x * x;
    }
  }
  const unit = new Uint8Array(n).fill(1);
  for (let c = 0; c < n; c++) {
    for (let j = starts[c] as number; j < (starts[c + 1] as number); j++) {
      if (outValues[j] !== 1) {
        unit[c] = 0;
        break;
      }
    }
  }
  return { numFeatures: n, numRows: rows, starts, rows: outRows, values: outValues, sumSquares, maxColumnLength: maxLen, unit };
}
