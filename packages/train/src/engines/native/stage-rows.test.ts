import { describe, expect, it } from 'vitest';
import { Rng } from '@fm/data';
import { newRowStaging, stageRows } from './stage-rows.js';

/** A CSR dataset of `rows` rows with 1-5 entries each (ragged, so offsets must be rebased). */
function ragged(rows: number, seed: number) {
  const rng = new Rng(seed);
  const offsets = new Int32Array(rows + 1);
  const ids: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const n = 1 + rng.int(5);
    for (let j = 0; j < n; j++) {
      ids.push(rng.int(1000));
      values.push(rng.normal());
    }
    offsets[r + 1] = ids.length;
  }
  const labels = Float32Array.from({ length: rows }, () => rng.normal());
  return { labels, offsets, ids: Int32Array.from(ids), values: Float32Array.from(values), maxRowLength: 5 };
}

describe('stageRows', () => {
  it("copies the rows at positions [s, e) of an order, in order, with each position's negatives, into reused shared arrays", () => {
    const data = ragged(300, 1);
    const order = new Rng(2).permutation(300);
    const perRow = 2;
    const negatives = { perRow, itemSlot: Int32Array.from({ length: 300 }, (_, r) => r % 3), items: Int32Array.from({ length: 300 * perRow }, (_, i) => 5000 + i) };
    const st = newRowStaging();
    // a small slice, a large one (the arrays grow), then a small one again (reused, stale tail ignored)
    for (const [s, e] of [[10, 20], [40, 290], [5, 12]] as const) {
      const sl = stageRows(data, order, s, e, negatives, st);
      expect(sl.rows).toBe(e - s);
      for (const a of [sl.labels, sl.offsets, sl.ids, sl.values, sl.order, sl.itemSlot, sl.negItems]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(sl.order)).toEqual(Array.from({ length: e - s }, (_, t) => t));
      expect(sl.offsets[0]).toBe(0);
      for (let t = s; t < e; t++) {
        const r = order[t] as number;
        const a = data.offsets[r] as number;
        const b = data.offsets[r + 1] as number;
        const q = t - s;
        const sa = sl.offsets[q] as number;
        const sb = sl.offsets[q + 1] as number;
        expect(sl.labels[q]).toBe(data.labels[r]);
        expect(Array.from(sl.ids.subarray(sa, sb))).toEqual(Array.from(data.ids.subarray(a, b)));
        expect(Array.from(sl.values.subarray(sa, sb))).toEqual(Array.from(data.values.subarray(a, b)));
        expect(sl.itemSlot[q]).toBe(negatives.itemSlot[r]);
        expect(Array.from(sl.negItems.subarray(q * perRow, (q + 1) * perRow))).toEqual(Array.from(negatives.items.subarray(t * perRow, (t + 1) * perRow)));
      }
      expect(sl.offsets[e - s]).toBe(sl.ids.length);
    }
  });

  it('without negatives, item slots and negatives are empty', () => {
    const data = ragged(50, 3);
    const sl = stageRows(data, Int32Array.from({ length: 50 }, (_, i) => 49 - i), 0, 50, undefined, newRowStaging());
    expect(sl.itemSlot.length).toBe(0);
    expect(sl.negItems.length).toBe(0);
    expect(sl.labels[0]).toBe(data.labels[49]);
  });
});
