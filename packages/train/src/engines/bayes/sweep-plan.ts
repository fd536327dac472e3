import type { SparseDataset } from '@fm/data';
import type { ColumnView } from './column-view.js';

/** Lanes a disjoint field is cut into; a run uses up to this many threads, and its draws never depend on how many. */
export const SWEEP_LANES = 8;

/**
 * A contiguous range of features `[lo, hi)` swept in one step. With `lanes`, the range is one field in which no
 * row has two entries: its features share no rows, so given everything else their conditionals are independent
 * (each update reads and writes only its own rows' residuals and q caches), and the lanes, contiguous sub-ranges
 * `[lanes[p], lanes[p + 1])`, may be swept in any order or at once, each with its own generator.
 */
export interface SweepSegment {
  lo: number;
  hi: number;
  /** `[SWEEP_LANES + 1]` lane boundaries within `[lo, hi)`, or undefined: the features one after another. */
  lanes?: Int32Array;
}

/** Smallest field cut into lanes: ids and stored entries. Below that a lane's draws cost more than they save. */
export const LANED_FIELD_MIN = { ids: 2 * SWEEP_LANES, entries: 1024 } as const;

/**
 * The order of a sweep over `ds`'s features: one segment per field, in id order; a field in which no row has
 * two entries (a categorical field: user ids, item ids, age, …), outside the relational `blocks` and large enough,
 * is cut into {@link SWEEP_LANES} lanes of about equal work (column entries + 1 per feature). Depends only on the
 * data, never on the threads available, so a seeded chain is the same on any machine. O(nnz).
 */
export function planSweep(ds: SparseDataset, cols: ColumnView, blocks: readonly { lo: number; hi: number }[]): SweepSegment[] {
  const schema = ds.schema;
  const F = schema.numFields;
  const fieldOf = schema.featureFieldTable();
  const lastRow = new Int32Array(F).fill(-1);
  const shared = new Uint8Array(F);
  for (let r = 0; r < ds.numRows; r++) {
    for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) {
      const f = fieldOf[ds.ids[j] as number] as number;
      if (lastRow[f] === r) shared[f] = 1;
      lastRow[f] = r;
    }
  }
  const inBlock = (lo: number, hi: number) => blocks.some((b) => b.lo < hi && lo < b.hi);
  const segments: SweepSegment[] = [];
  for (let f = 0; f < F; f++) {
    const lo = schema.offsets[f] as number;
    const hi = schema.offsets[f + 1] as number;
    if (hi === lo) continue;
    const entries = (cols.starts[hi] as number) - (cols.starts[lo] as number);
    const laned = shared[f] === 0 && !inBlock(lo, hi) && hi - lo >= LANED_FIELD_MIN.ids && entries >= LANED_FIELD_MIN.entries;
    segments.push(laned ? { lo, hi, lanes: cutLanes(cols.starts, lo, hi) } : { lo, hi });
  }
  return segments;
}

/** Lane boundaries of `[lo, hi)` with about equal Σ (column length + 1) each. */
function cutLanes(starts: Int32Array, lo: number, hi: number): Int32Array {
  const work = (l: number) => (starts[l] as number) - (starts[lo] as number) + (l - lo);
  const total = work(hi);
  const lanes = new Int32Array(SWEEP_LANES + 1);
  lanes[0] = lo;
  lanes[SWEEP_LANES] = hi;
  let l = lo;
  for (let p = 1; p < SWEEP_LANES; p++) {
    const target = (total * p) / SWEEP_LANES;
    while (l < hi && work(l) < target) l++;
    lanes[p] = l;
  }
  return lanes;
}
