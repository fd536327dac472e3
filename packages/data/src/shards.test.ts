import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FieldSchema, Rng, SparseDataset, collectSource, epochPermutation, inMemorySource, type DatasetSource, type SourceChunk } from './index.js';
import { ShardWriter, ShardedDataset, writeShards } from './node.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fm-shards-'));
  dirs.push(d);
  return d;
}

const schema = new FieldSchema([
  { name: 'a', kind: 'categorical', cardinality: 50 },
  { name: 'tags', kind: 'multi-hot', cardinality: 30 },
]);

/** Ragged rows: one id in field a, 0-4 tags; a side column holding the row number. */
function ragged(rows: number, seed: number): SparseDataset {
  const rng = new Rng(seed);
  const offsets = new Int32Array(rows + 1);
  const ids: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    ids.push(rng.int(50));
    values.push(1);
    const k = rng.int(5);
    for (let j = 0; j < k; j++) {
      ids.push(50 + rng.int(30));
      values.push(Math.round(rng.next() * 100) / 100);
    }
    offsets[r + 1] = ids.length;
  }
  return new SparseDataset({
    schema,
    labels: Float32Array.from({ length: rows }, (_, r) => r % 3),
    offsets,
    ids: Int32Array.from(ids),
    values: Float32Array.from(values),
    columns: { row: Int32Array.from({ length: rows }, (_, r) => r) },
  });
}

/** Every row of a walk as text (label, features, side column), in the order visited. */
async function walk(source: DatasetSource, opts: Parameters<DatasetSource['chunks']>[0], maxChunk = Infinity): Promise<string[]> {
  const out: string[] = [];
  for await (const c of source.chunks(opts) as AsyncIterable<SourceChunk>) {
    expect(c.data.schema.equals(source.schema)).toBe(true);
    const order = c.order ?? Int32Array.from({ length: c.data.numRows }, (_, i) => i);
    expect(order.length).toBeLessThanOrEqual(maxChunk);
    for (const r of order) {
      out.push(`${c.data.labels[r]}|${Array.from(c.data.rowIds(r))}|${Array.from(c.data.rowValues(r))}|${c.data.columns.row?.[r]}`);
    }
  }
  return out;
}

describe('sharded datasets', () => {
  it('write in bounded shards and read back every row in stored order, one shard at a time', async () => {
    const ds = ragged(1000, 1);
    const dir = join(await tmp(), 'data');
    const m = await writeShards(dir, ds, { shardBytes: 4096, source: { test: true } });
    expect(m.shards.length).toBeGreaterThan(3);
    for (const s of m.shards) expect(s.bytes).toBeLessThan(4096 + 2048); // Arrow framing on top of the row bytes
    expect(m.numRows).toBe(1000);
    expect(m.nnz).toBe(ds.nnz);
    expect(m.maxRowLength).toBe(ds.maxRowLength);
    expect((await readdir(dir)).sort()).toEqual([...m.shards.map((s) => s.file), 'manifest.json'].sort());
    const src = await ShardedDataset.open(dir);
    expect(src.schema.equals(schema)).toBe(true);
    expect(src.columns).toEqual(['row']);
    expect(await walk(src, {}, 100)).toEqual(await walk(inMemorySource(ds), {}));
    const back = await collectSource(src, { chunkRows: 64 });
    expect(back.ids).toEqual(ds.ids);
    expect(back.values).toEqual(ds.values);
    expect(back.fields).toEqual(ds.fields);
    expect(back.labels).toEqual(ds.labels);
    expect(back.columns.row).toEqual(ds.columns.row);
  });

  it('a buffer that holds every row gives exactly the in-memory order; bounded buffers give permutations', async () => {
    const ds = ragged(700, 2);
    const dir = join(await tmp(), 'data');
    const m = await writeShards(dir, ds, { shardRows: 90 });
    expect(m.shards.map((s) => s.rows)).toEqual([90, 90, 90, 90, 90, 90, 90, 70]);
    const src = await ShardedDataset.open(dir);
    const mem = inMemorySource(ds);
    const sorted = (await walk(mem, {})).sort();
    for (const epoch of [0, 1]) {
      const want = await walk(mem, { shuffle: true, seed: 5, epoch });
      expect(await walk(src, { shuffle: true, seed: 5, epoch, shuffleBuffer: 700 })).toEqual(want);
      expect(await walk(src, { shuffle: true, seed: 5, epoch, shuffleBuffer: 5000, chunkRows: 64 }, 64)).toEqual(want);
      expect([...want].sort()).toEqual(sorted);
    }
    for (const shuffleBuffer of [1, 7, 90, 250]) {
      const a = await walk(src, { shuffle: true, seed: 3, epoch: 0, shuffleBuffer, chunkRows: 50 }, 50);
      expect([...a].sort()).toEqual(sorted); // every row exactly once
      expect(await walk(src, { shuffle: true, seed: 3, epoch: 0, shuffleBuffer, chunkRows: 50 })).toEqual(a); // deterministic
      expect(await walk(src, { shuffle: true, seed: 3, epoch: 1, shuffleBuffer, chunkRows: 50 })).not.toEqual(a);
      if (shuffleBuffer >= 90) {
        // Rows of different shards mix: the first 90 rows out come from more than one shard.
        const firstShards = new Set(a.slice(0, 90).map((t) => Math.floor(Number(t.split('|')[3]) / 90)));
        expect(firstShards.size).toBeGreaterThan(1);
      }
    }
  });

  it('shuffled epochs in bounded windows: every row once, seeded, new each epoch, no chunk over the buffer, windows copied once', async () => {
    const ds = ragged(700, 8);
    const dir = join(await tmp(), 'data');
    await writeShards(dir, ds, { shardRows: 90 }); // 7 × 90 + 70
    const src = await ShardedDataset.open(dir);
    const sorted = (await walk(inMemorySource(ds), {})).sort();
    const shardOf = (t: string) => Math.floor(Number(t.split('|')[3]) / 90);
    // 50 and 1: every shard is bigger than the buffer (split across windows); 699: all but one row.
    for (const buffer of [1, 50, 90, 200, 699]) {
      const epochs: string[][] = [];
      for (const epoch of [0, 1]) {
        const rowsOut: string[] = [];
        const seen = new Set<SparseDataset>();
        for await (const c of src.chunks({ shuffle: true, seed: 9, epoch, shuffleBuffer: buffer })) {
          // One chunk per window: its data is the window (at most the buffer), its order a permutation of it.
          expect(c.data.numRows).toBeLessThanOrEqual(buffer);
          expect(seen.has(c.data)).toBe(false);
          seen.add(c.data);
          const order = c.order as Int32Array;
          expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: c.data.numRows }, (_, i) => i));
          const rowsHere = Array.from(order, (r) => `${c.data.labels[r]}|${Array.from(c.data.rowIds(r))}|${Array.from(c.data.rowValues(r))}|${c.data.columns.row?.[r]}`);
          // A window is a run of the shuffled shard stream: it spans at most ⌈buffer / 90⌉ + 1 shards.
          expect(new Set(rowsHere.map(shardOf)).size).toBeLessThanOrEqual(Math.ceil(buffer / 90) + 1);
          rowsOut.push(...rowsHere);
        }
        expect([...rowsOut].sort()).toEqual(sorted); // every row exactly once
        expect(await walk(src, { shuffle: true, seed: 9, epoch, shuffleBuffer: buffer })).toEqual(rowsOut); // deterministic
        // reused window memory (fit's way) and chunkRows pieces change nothing but the chunking
        expect(await walk(src, { shuffle: true, seed: 9, epoch, shuffleBuffer: buffer, reuseChunks: true })).toEqual(rowsOut);
        expect(await walk(src, { shuffle: true, seed: 9, epoch, shuffleBuffer: buffer, chunkRows: 16, reuseChunks: true }, 16)).toEqual(rowsOut);
        epochs.push(rowsOut);
      }
      expect(epochs[1]).not.toEqual(epochs[0]);
      expect(await walk(src, { shuffle: true, seed: 10, epoch: 0, shuffleBuffer: buffer })).not.toEqual(epochs[0]);
    }
    // A buffer that holds every row (also with reused memory): exactly the in-memory order.
    for (const epoch of [0, 2]) {
      const want = Array.from(epochPermutation(700, 4, epoch), (r) => `${ds.labels[r]}|${Array.from(ds.rowIds(r))}|${Array.from(ds.rowValues(r))}|${ds.columns.row?.[r]}`);
      expect(await walk(src, { shuffle: true, seed: 4, epoch, shuffleBuffer: 700, reuseChunks: true })).toEqual(want);
    }
  });

  it('reuseChunks keeps one window and its read buffers across epochs; other walks get their own', async () => {
    const dir = join(await tmp(), 'data');
    await writeShards(dir, ragged(300, 3), { shardRows: 64 });
    const src = await ShardedDataset.open(dir);
    const windows = async (opts: Parameters<DatasetSource['chunks']>[0]) => {
      const out: SparseDataset[] = [];
      for await (const c of src.chunks(opts)) out.push(c.data);
      return out;
    };
    const opts = { shuffle: true, shuffleBuffer: 100, reuseChunks: true };
    const a = await windows({ ...opts, epoch: 0 });
    const b = await windows({ ...opts, epoch: 1 });
    expect(a.length).toBeGreaterThan(2);
    for (const w of [...a, ...b]) expect(w.labels.buffer).toBe(a[0]?.labels.buffer);
    // without reuseChunks every window has memory of its own
    const c = await windows({ shuffle: true, shuffleBuffer: 100 });
    expect(new Set(c.map((w) => w.labels.buffer)).size).toBe(c.length);
  });

  it('reads one shard without the others, selects shards (a held-out shard), and names a damaged shard', async () => {
    const ds = ragged(300, 3);
    const dir = join(await tmp(), 'data');
    const m = await writeShards(dir, ds, { shardRows: 100 });
    const whole = await ShardedDataset.open(dir);
    const held = whole.selectShards([2]);
    const rest = whole.selectShards([1, 0]);
    expect([held.numRows, rest.numRows, rest.numShards]).toEqual([100, 200, 2]);
    expect(Array.from((await collectSource(held)).columns.row ?? [])).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
    expect((await collectSource(rest)).columns.row?.[0]).toBe(100);
    expect(() => whole.selectShards([3])).toThrow('shard 3 out of range [0, 3)');
    await writeFile(join(dir, m.shards[2]?.file as string), 'not arrow');
    const src = await ShardedDataset.open(dir);
    expect((await src.readShard(0)).numRows).toBe(100);
    expect((await src.readShard(1)).columns.row?.[0]).toBe(100);
    await expect(src.readShard(2)).rejects.toThrow(`${m.shards[2]?.file}: `);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const c of src.chunks()) seen.push(c.data.numRows);
      })(),
    ).rejects.toThrow('part-00002.arrow');
    expect(seen).toEqual([100, 100]);
    await rm(join(dir, 'manifest.json'));
    await expect(ShardedDataset.open(dir)).rejects.toThrow('not a sharded dataset (no manifest.json');
  });

  it('replaces the directory as a unit and leaves nothing behind on abort', async () => {
    const root = await tmp();
    const dir = join(root, 'data');
    await writeShards(dir, ragged(50, 4));
    const w = await ShardWriter.create(dir, { shardRows: 10 });
    await w.append(ragged(35, 5));
    expect(w.shardCount).toBe(3);
    expect((await ShardedDataset.open(dir)).numRows).toBe(50); // the old dataset until finish
    await w.abort();
    expect(await readdir(root)).toEqual(['data']);
    expect((await ShardedDataset.open(dir)).numRows).toBe(50);
    const w2 = await ShardWriter.create(dir, { shardRows: 10 });
    await w2.append(ragged(35, 5));
    await w2.finish();
    expect(await readdir(root)).toEqual(['data']);
    expect((await ShardedDataset.open(dir)).numRows).toBe(35);
  });

  it('lets only the last field grow between appends; the manifest records the largest', async () => {
    const one = (n: number, ids: number[]) =>
      new SparseDataset({
        schema: new FieldSchema([{ name: 'features', kind: 'multi-hot', cardinality: n }]),
        labels: Float32Array.from([1]),
        offsets: Int32Array.from([0, ids.length]),
        ids: Int32Array.from(ids),
        values: new Float32Array(ids.length).fill(1),
      });
    const dir = join(await tmp(), 'data');
    const w = await ShardWriter.create(dir);
    await w.append(one(5, [4]));
    await w.append(one(9, [8, 2]));
    const m = await w.finish();
    expect(m.schema.fields[0]?.cardinality).toBe(9);
    const src = await ShardedDataset.open(dir);
    expect(Array.from((await collectSource(src)).ids)).toEqual([4, 8, 2]);
    const w2 = await ShardWriter.create(join(await tmp(), 'x'));
    await w2.append(ragged(3, 1));
    const other = new FieldSchema([
      { name: 'a', kind: 'categorical', cardinality: 60 },
      { name: 'tags', kind: 'multi-hot', cardinality: 30 },
    ]);
    const d = ragged(3, 1);
    await expect(w2.append(new SparseDataset({ ...d, schema: other, columns: { row: d.columns.row as Int32Array } }))).rejects.toThrow(
      'field "a" has 60 ids where earlier rows have 50',
    );
    await w2.abort();
  });

  it('can put chunks on SharedArrayBuffers for worker threads, and checks the manifest', async () => {
    const dir = join(await tmp(), 'data');
    await writeShards(dir, ragged(200, 6), { shardRows: 64 });
    const src = await ShardedDataset.open(dir);
    for (const opts of [{ sharedMemory: true }, { sharedMemory: true, shuffle: true, shuffleBuffer: 50 }]) {
      for await (const c of src.chunks(opts)) expect(c.data.ids.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    const path = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8'));
    m.numRows = 201;
    await writeFile(path, JSON.stringify(m));
    await expect(ShardedDataset.open(dir)).rejects.toThrow('disagree with the shards');
    m.numRows = 200;
    m.version = 2;
    await writeFile(path, JSON.stringify(m));
    await expect(ShardedDataset.open(dir)).rejects.toThrow('manifest version 2, this @fm/data reads version 1');
  });
});
