import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FieldSchema, SparseDataset, datasetFromIPC, datasetToIPC, generateCtr } from './index.js';
import { readArrow, writeArrow } from './node.js';

const schema = new FieldSchema([
  { name: 'user', kind: 'categorical', cardinality: 3 },
  { name: 'item', kind: 'categorical', cardinality: 4 },
  { name: 'genres', kind: 'multi-hot', cardinality: 5 },
]);

function toy(): SparseDataset {
  // row 0: user 0, item 1, genres {0, 2}; row 1: user 2, item 3; row 2: user 1, item 0, genre 4
  const ids = Int32Array.from([0, 3 + 1, 7 + 0, 7 + 2, 2, 3 + 3, 1, 3 + 0, 7 + 4]);
  const values = Float32Array.from([1, 1, 0.5, 0.5, 1, 1, 1, 1, 1]);
  return new SparseDataset({
    schema,
    labels: Float32Array.from([5, 3, 1]),
    offsets: Int32Array.from([0, 4, 6, 9]),
    ids,
    values,
    columns: { user: Int32Array.from([10, 12, 11]), timestamp: Float64Array.from([1e9, 1e9 + 1, 1e9 + 2]) },
  });
}

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('Arrow IPC round trip', () => {
  it('keeps labels, CSR arrays, derived fields, side columns and the schema', () => {
    const ds = toy();
    expect(Array.from(ds.fields)).toEqual([0, 1, 2, 2, 0, 1, 0, 1, 2]);
    const back = datasetFromIPC(datasetToIPC(ds));
    expect(back.schema.equals(schema)).toBe(true);
    expect(Array.from(back.labels)).toEqual([5, 3, 1]);
    expect(Array.from(back.offsets)).toEqual([0, 4, 6, 9]);
    expect(Array.from(back.ids)).toEqual(Array.from(ds.ids));
    expect(Array.from(back.values)).toEqual(Array.from(ds.values));
    expect(Array.from(back.fields)).toEqual(Array.from(ds.fields));
    expect(Array.from(back.columns.user ?? [])).toEqual([10, 12, 11]);
    expect(back.columns.timestamp).toBeInstanceOf(Float64Array);
    expect(back.maxRowLength).toBe(4);
  });

  it('writes atomically to a file and reads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-arrow-'));
    dirs.push(dir);
    const path = join(dir, 'toy.arrow');
    await writeArrow(path, toy());
    expect(await readdir(dir)).toEqual(['toy.arrow']);
    const back = await readArrow(path);
    expect(back.numRows).toBe(3);
    expect(back.nnz).toBe(9);
  });

  it('names the file when it is not an Arrow file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-arrow-'));
    dirs.push(dir);
    const { writeFile } = await import('node:fs/promises');
    const path = join(dir, 'bad.arrow');
    await writeFile(path, 'not arrow');
    await expect(readArrow(path)).rejects.toThrow(/bad\.arrow/);
  });
});

describe('SparseDataset', () => {
  it('slices zero-copy and pads dense batches with id 0 / value 0', () => {
    const ds = toy();
    const s = ds.slice(1, 3);
    expect(s.numRows).toBe(2);
    expect(s.ids.buffer).toBe(ds.ids.buffer);
    expect(Array.from(s.offsets)).toEqual([0, 2, 5]);
    const b = ds.denseBatch(1, 3);
    expect(b.width).toBe(4);
    expect(Array.from(b.ids)).toEqual([2, 6, 0, 0, 1, 3, 11, 0]);
    expect(Array.from(b.values)).toEqual([1, 1, 0, 0, 1, 1, 1, 0]);
    expect(Array.from(b.labels)).toEqual([3, 1]);
  });

  it.each([3, 70])('dense batches of fixed-width rows (%i fields: loop / TypedArray.set) copy each ordered row exactly', (width) => {
    const { dataset: ds } = generateCtr({ rows: 50, fields: width, hashSize: 500, seed: 2 });
    expect(ds.isFixedWidth()).toBe(true);
    const order = Int32Array.from([7, 3, 49, 0, 12]);
    const b = ds.denseBatchOf(order, 1, 5);
    expect([b.size, b.width]).toEqual([4, width]);
    for (let i = 0; i < 4; i++) {
      const r = order[1 + i] as number;
      const [a, e] = [ds.offsets[r] as number, ds.offsets[r + 1] as number];
      const part = (x: Int32Array | Float32Array) => Array.from(x.subarray(i * width, (i + 1) * width));
      expect(part(b.ids)).toEqual(Array.from(ds.ids.subarray(a, e)));
      expect(part(b.values)).toEqual(Array.from(ds.values.subarray(a, e)));
      expect(part(b.fields)).toEqual(Array.from(ds.fields.subarray(a, e)));
      expect(b.labels[i]).toBe(ds.labels[r]);
    }
  });

  /** Rows of 70 and 66 entries of one multi-hot field, and a short one: ragged rows above the plain-loop length. */
  function raggedLong(): SparseDataset {
    const long = new FieldSchema([{ name: 'tags', kind: 'multi-hot', cardinality: 100 }]);
    const rows = [Array.from({ length: 70 }, (_, j) => j), Array.from({ length: 66 }, (_, j) => j + 5), [1, 2]];
    const ids = Int32Array.from(rows.flat());
    return new SparseDataset({
      schema: long,
      labels: Float32Array.from([1, 0, 1]),
      offsets: Int32Array.from([0, 70, 136, 138]),
      ids,
      values: Float32Array.from(ids, (i) => 1 + i / 100),
    });
  }

  it.each([
    ['ragged short rows', () => toy(), 4, Int32Array.from([2, 0, 1, 2])],
    ['ragged short rows, wider than the longest', () => toy(), 6, undefined],
    ['fixed rows of 3', () => generateCtr({ rows: 50, fields: 3, hashSize: 500, seed: 2 }).dataset, 3, Int32Array.from([7, 3, 49, 0, 12])],
    ['fixed rows of 70', () => generateCtr({ rows: 50, fields: 70, hashSize: 500, seed: 2 }).dataset, 70, Int32Array.from([7, 3, 49, 0, 12])],
    ['ragged rows of 70 and 66', raggedLong, 72, Int32Array.from([1, 2, 0, 1])],
  ] as const)('gatherRows writes the ordered rows, zero-padded, into only the arrays it is given (%s)', (_name, make, width, order) => {
    const ds = make();
    const [start, end] = [1, order ? order.length : ds.numRows];
    const b = end - start;
    const row = (i: number) => (order ? (order[start + i] as number) : start + i);
    // the reference: each row's CSR slice, then zeros to the width
    const expected = (x: Int32Array | Float32Array) =>
      Array.from({ length: b }, (_, i) => {
        const r = row(i);
        const part = Array.from(x.subarray(ds.offsets[r] as number, ds.offsets[r + 1] as number));
        return [...part, ...new Array<number>(width - part.length).fill(0)];
      }).flat();
    // one spare row past the batch, and garbage where the padding goes
    const all = { ids: new Int32Array((b + 1) * width).fill(9), values: new Float32Array((b + 1) * width).fill(9), labels: new Float32Array(b + 1).fill(9), fields: new Int32Array((b + 1) * width).fill(9) };
    ds.gatherRows(order, start, end, width, all);
    expect(Array.from(all.ids.subarray(0, b * width))).toEqual(expected(ds.ids));
    expect(Array.from(all.values.subarray(0, b * width))).toEqual(expected(ds.values));
    expect(Array.from(all.fields.subarray(0, b * width))).toEqual(expected(ds.fields));
    expect(Array.from(all.labels.subarray(0, b))).toEqual(Array.from({ length: b }, (_, i) => ds.labels[row(i)]));
    for (const a of [all.ids, all.values, all.fields]) expect(Array.from(a.subarray(b * width)).every((x) => x === 9)).toBe(true);
    expect(all.labels[b]).toBe(9);
    // ids and values only: no labels or fields read or written
    const two = { ids: new Int32Array(b * width).fill(9), values: new Float32Array(b * width).fill(9) };
    ds.gatherRows(order, start, end, width, two);
    expect(Array.from(two.ids)).toEqual(expected(ds.ids));
    expect(Array.from(two.values)).toEqual(expected(ds.values));
    // denseBatchOf is the same gather into a batch of its own
    const batch = ds.denseBatchOf(order, start, end, undefined, width);
    expect(Array.from(batch.fields)).toEqual(expected(ds.fields));
  });

  it('gatherRows names the array too short for the rows, and a width below the longest row', () => {
    const ds = toy();
    expect(() => ds.gatherRows(undefined, 0, 3, 4, { ids: new Int32Array(12), values: new Float32Array(11) })).toThrow(/values holds 11 values, 3 rows of width 4 need 12/);
    expect(() => ds.gatherRows(undefined, 0, 3, 4, { ids: new Int32Array(12), values: new Float32Array(12), labels: new Float32Array(2) })).toThrow(/labels holds 2/);
    expect(() => ds.gatherRows(undefined, 0, 3, 3, { ids: new Int32Array(12), values: new Float32Array(12) })).toThrow(/width 3 < longest row 4/);
  });

  it('shuffles deterministically for a seed and keeps every row', () => {
    const ds = toy();
    const a = ds.shuffle(7);
    const b = ds.shuffle(7);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.labels).sort()).toEqual([1, 3, 5]);
    const rowOf = (d: SparseDataset, y: number) => {
      const r = Array.from(d.labels).indexOf(y);
      return Array.from(d.rowIds(r));
    };
    expect(rowOf(a, 5)).toEqual(rowOf(ds, 5));
  });

  it('rejects ids outside the schema and non-finite labels, naming the row', () => {
    expect(
      () =>
        new SparseDataset({ schema, labels: Float32Array.from([1]), offsets: Int32Array.from([0, 1]), ids: Int32Array.from([12]), values: Float32Array.from([1]) }),
    ).toThrow(/row 0 has feature id 12, outside \[0, 12\)/);
    expect(
      () =>
        new SparseDataset({ schema, labels: Float32Array.from([NaN]), offsets: Int32Array.from([0, 1]), ids: Int32Array.from([1]), values: Float32Array.from([1]) }),
    ).toThrow(/label of row 0 is NaN/);
  });
});
