import type { KernelData } from './kernel-ctx.js';
import { allocFloat32, allocInt32 } from './params.js';
import type { PassNegatives } from './types.js';

/** Shared arrays a Hogwild worker's rows are copied into; grown on demand and reused across slices. */
export interface RowStaging {
  labels: Float32Array;
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
  order: Int32Array;
  itemSlot: Int32Array;
  negItems: Int32Array;
}

/** A slice of a pass as a worker trains it: its rows in order, positions 0..rows−1, negatives by position. */
export interface StagedSlice extends KernelData {
  order: Int32Array;
  itemSlot: Int32Array;
  negItems: Int32Array;
  rows: number;
}

/** `a` when it holds `n` elements, else a larger shared array (half again, so growth is amortised). */
function room<T extends Float32Array | Int32Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const length = Math.ceil(n * 1.5);
  return (a instanceof Float32Array ? allocFloat32(length, true) : allocInt32(length, true)) as T;
}

/** Empty staging (arrays grow on first use). */
export function newRowStaging(): RowStaging {
  const f = () => allocFloat32(1, true);
  const i = () => allocInt32(1, true);
  return { labels: f(), offsets: i(), ids: i(), values: f(), order: i(), itemSlot: i(), negItems: i() };
}

/**
 * Copies the rows at positions [s, e) of `order` — in that order — into `st`'s shared arrays, so a worker
 * thread can train them without a shared copy of the whole dataset: row t − s of the result is row
 * `order[t]` of `data` (label, ids, values; offsets rebased), its item slot, and the negatives drawn for
 * position t. The worker's order is then 0, 1, …, e − s − 1. Views of `st`, valid until the next call.
 */
export function stageRows(data: KernelData, order: Int32Array, s: number, e: number, negatives: PassNegatives | undefined, st: RowStaging): StagedSlice {
  const m = e - s;
  let nnz = 0;
  for (let t = s; t < e; t++) {
    const r = order[t] as number;
    nnz += (data.offsets[r + 1] as number) - (data.offsets[r] as number);
  }
  st.labels = room(st.labels, m);
  st.offsets = room(st.offsets, m + 1);
  st.ids = room(st.ids, nnz);
  st.values = room(st.values, nnz);
  if (st.order.length < m) {
    st.order = room(st.order, m);
    for (let t = 0; t < st.order.length; t++) st.order[t] = t;
  }
  let o = 0;
  st.offsets[0] = 0;
  for (let t = s; t < e; t++) {
    const r = order[t] as number;
    const a = data.offsets[r] as number;
    const b = data.offsets[r + 1] as number;
    st.ids.set(data.ids.subarray(a, b), o);
    st.values.set(data.values.subarray(a, b), o);
    o += b - a;
    st.labels[t - s] = data.labels[r] as number;
    st.offsets[t - s + 1] = o;
  }
  let itemSlot = st.itemSlot.subarray(0, 0);
  let negItems = st.negItems.subarray(0, 0);
  if (negatives) {
    const per = negatives.perRow;
    st.itemSlot = room(st.itemSlot, m);
    st.negItems = room(st.negItems, m * per);
    for (let t = s; t < e; t++) st.itemSlot[t - s] = negatives.itemSlot[order[t] as number] as number;
    st.negItems.set(negatives.items.subarray(s * per, e * per));
    itemSlot = st.itemSlot.subarray(0, m);
    negItems = st.negItems.subarray(0, m * per);
  }
  return {
    labels: st.labels.subarray(0, m),
    offsets: st.offsets.subarray(0, m + 1),
    ids: st.ids.subarray(0, nnz),
    values: st.values.subarray(0, nnz),
    maxRowLength: data.maxRowLength,
    order: st.order.subarray(0, m),
    itemSlot,
    negItems,
    rows: m,
  };
}
