import { describe, expect, it } from 'vitest';
import { FieldSchema, Rng, ShuffleBuffer, SparseDataset } from './index.js';

const schema = new FieldSchema([{ name: 'x', kind: 'multi-hot', cardinality: 1000 }]);

/** Rows r = 0..n-1 with label r, side column r and `len(r)` features r, r+1, …. */
function rows(from: number, n: number, len: (r: number) => number): SparseDataset {
  const offsets = new Int32Array(n + 1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = from + i;
    for (let j = 0; j < len(r); j++) ids.push((r + j) % 1000);
    offsets[i + 1] = ids.length;
  }
  return new SparseDataset({
    schema,
    labels: Float32Array.from({ length: n }, (_, i) => from + i),
    offsets,
    ids: Int32Array.from(ids),
    values: Float32Array.from(ids, (id) => id / 2),
    columns: { row: Float64Array.from({ length: n }, (_, i) => from + i) },
  });
}

describe('ShuffleBuffer', () => {
  for (const mode of ['arena', 'slots'] as const) {
    it(`${mode}: every pushed row comes out once, intact, in chunks of at most chunkRows; the window bounds how far a row moves`, () => {
      const len = (r: number) => (mode === 'arena' ? (r % 17 === 0 ? 40 : r % 3) : (r % 4) + 1);
      const capacity = 50;
      const buf = new ShuffleBuffer(
        { schema, capacity, chunkRows: 16, columns: { row: new Float64Array(0) }, rowLength: 2, ...(mode === 'slots' ? { slotWidth: 4 } : {}) },
        new Rng(3),
      );
      const out: SparseDataset[] = [];
      for (let s = 0; s < 1000; s += 70) out.push(...buf.push(rows(s, Math.min(70, 1000 - s), len)));
      expect(buf.size).toBe(capacity);
      out.push(...buf.drain());
      expect(buf.size).toBe(0);
      const seen: number[] = [];
      for (const c of out) {
        expect(c.numRows).toBeLessThanOrEqual(16);
        for (let i = 0; i < c.numRows; i++) {
          const r = c.labels[i] as number;
          expect(c.columns.row?.[i]).toBe(r);
          expect(Array.from(c.rowIds(i))).toEqual(Array.from({ length: len(r) }, (_, j) => (r + j) % 1000));
          expect(Array.from(c.rowValues(i))).toEqual(Array.from(c.rowIds(i), (id) => id / 2));
          seen.push(r);
        }
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, r) => r));
      // A row cannot leave before `capacity` later rows arrived (minus the push granularity in arena mode).
      const slack = mode === 'arena' ? 70 : 0;
      seen.forEach((r, pos) => expect(pos).toBeGreaterThanOrEqual(r - capacity - slack));
      expect(seen.slice(0, 100)).not.toEqual(Array.from({ length: 100 }, (_, r) => r));
    });
  }

  it('slot mode refuses a row longer than the slot width', () => {
    const buf = new ShuffleBuffer({ schema, capacity: 4, chunkRows: 4, slotWidth: 2 }, new Rng(1));
    const d = rows(0, 3, () => 3);
    expect(() => buf.push(new SparseDataset({ ...d, columns: {} }))).toThrow('a row has 3 features, more than the slot width 2');
  });
});
