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
