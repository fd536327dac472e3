// Small helpers shared by the examples.
import type { SparseDataset } from '@fm/data';

/** Per row, the (user, item) ids local to their fields (global id − field offset). */
export function userItemPairs(ds: SparseDataset, userField = 0, itemField = 1): { user: Int32Array; item: Int32Array } {
  const n = ds.numRows;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const uo = ds.schema.offsets[userField] as number;
  const io = ds.schema.offsets[itemField] as number;
  for (let r = 0; r < n; r++) {
    for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) {
      if (ds.fields[j] === userField) user[r] = (ds.ids[j] as number) - uo;
      if (ds.fields[j] === itemField) item[r] = (ds.ids[j] as number) - io;
    }
  }
  return { user, item };
}

/** Mean squared error. */
export function mse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += ((pred[i] as number) - (y[i] as number)) ** 2;
  return s / y.length;
}

/** Coefficient of determination 1 − SSE/SST. */
export function rSquared(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += (y[i] as number) / y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += ((pred[i] as number) - (y[i] as number)) ** 2;
    sst += ((y[i] as number) - mean) ** 2;
  }
  return 1 - sse / sst;
}

/** Prints an aligned table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(4)) : c)))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)));
  for (const r of cells) console.log(r.map((c, j) => String(c).padEnd(w[j] ?? 0)).join('  '));
}
