import { describe, expect, it } from 'vitest';
import { ConcatBuffer, concatDatasets } from './concat-datasets.js';
import { FieldSchema, Rng, SparseDataset } from './index.js';

const schema = new FieldSchema([{ name: 'x', kind: 'multi-hot', cardinality: 500 }]);

/** Rows r = from..from+n-1 with label r, side column r and 0..5 features of ids r, r+1, …. */
function rows(from: number, n: number): SparseDataset {
  const offsets = new Int32Array(n + 1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = from + i;
    for (let j = 0; j < (r * 7) % 6; j++) ids.push((r + j) % 500);
    offsets[i + 1] = ids.length;
  }
  return new SparseDataset({
    schema,
    labels: Float32Array.from({ length: n }, (_, i) => from + i),
    offsets,
    ids: Int32Array.from(ids),
    values: Float32Array.from(ids, (id) => id / 4),
    columns: { row: Int32Array.from({ length: n }, (_, i) => from + i) },
  });
}

/** Row `r` of `ds` as text, straight from its CSR arrays. */
const text = (ds: SparseDataset, r: number) =>
  `${ds.labels[r]}|${Array.from(ds.ids.subarray(ds.offsets[r], ds.offsets[r + 1]))}|${Array.from(ds.values.subarray(ds.offsets[r], ds.offsets[r + 1]))}|${Array.from(ds.fields.subarray(ds.offsets[r], ds.offsets[r + 1]))}|${ds.columns.row?.[r]}`;
const all = (ds: SparseDataset) => Array.from({ length: ds.numRows }, (_, r) => text(ds, r));

describe('ConcatBuffer', () => {
  it('appends row ranges intact, grows past its first size, and builds the next dataset in the same arrays', () => {
    const a = rows(0, 40);
    const b = rows(100, 25);
    const buf = new ConcatBuffer(schema, 3, 2);
    const rng = new Rng(4);
    for (let round = 0; round < 3; round++) {
      // random ranges of a and b, in turn; the expected rows are read from the sources directly
      const want: string[] = [];
      for (const src of [a, b, a]) {
        const s = rng.int(src.numRows);
        const e = s + rng.int(src.numRows - s + 1);
        buf.append(src, s, e);
        for (let r = s; r < e; r++) want.push(text(src, r));
      }
      expect(buf.numRows).toBe(want.length);
      const ds = buf.take();
      expect(buf.numRows).toBe(0);
      expect(ds.offsets[0]).toBe(0);
      expect(ds.nnz).toBe(ds.ids.length);
      expect(all(ds)).toEqual(want);
      expect(ds.schema).toBe(schema);
    }
    // Once big enough, a smaller fill reuses the arrays (no fresh memory).
    buf.append(a, 0, 40);
    const first = buf.take();
    buf.append(b, 0, 10);
    const second = buf.take();
    expect(second.ids.buffer).toBe(first.ids.buffer);
    expect(all(second)).toEqual(all(b).slice(0, 10));
  });

  it('concatDatasets: parts one after another (slices included), on shared memory when asked', () => {
    const a = rows(0, 30);
    const b = rows(50, 20).slice(5, 15);
    const ds = concatDatasets([a, b], { shared: true });
    expect(all(ds)).toEqual([...all(a), ...all(b)]);
    expect(ds.ids.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ds.offsets.buffer).toBeInstanceOf(SharedArrayBuffer);
    const c = new SparseDataset({ schema, labels: new Float32Array(1), offsets: Int32Array.of(0, 0), ids: new Int32Array(0), values: new Float32Array(0) });
    expect(() => concatDatasets([a, c])).toThrow('part 1 has side columns []');
  });
});
