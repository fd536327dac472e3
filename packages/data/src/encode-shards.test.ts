import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Encoder, Rng, collectSource, csvFieldConfigs, murmur3, parseCsvSpec, type SparseDataset, type StreamProgress } from './index.js';
import { ShardedDataset, encodeToShards, loadCsv, loadLibffm, loadLibsvm, loadParquet } from './node.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fm-encode-'));
  dirs.push(d);
  return d;
}
const fixtures = fileURLToPath(new URL('../fixtures/parquet/', import.meta.url));

/** Rows of a dataset as text, for exact comparisons. */
function rowsOf(ds: SparseDataset): string[] {
  return Array.from({ length: ds.numRows }, (_, r) => `${ds.labels[r]}|${Array.from(ds.rowIds(r))}|${Array.from(ds.rowValues(r))}`);
}

async function collect(dir: string): Promise<{ src: ShardedDataset; ds: SparseDataset }> {
  const src = await ShardedDataset.open(dir);
  return { src, ds: await collectSource(src) };
}

/** A libffm text: `rows` lines over fields 0..3 (field 3 sometimes absent, sometimes twice), CRLF endings. */
function libffmText(rows: number, seed: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const toks = [0, 1, 2].map((f) => `${f}:${rng.int(40) * 3}:1`);
    if (rng.next() < 0.5) toks.push(`3:${rng.int(5)}:0.5`, `3:${rng.int(5)}:0.25`);
    lines.push(`${rng.int(2)} ${toks.join(' ')}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('encodeToShards', () => {
  it('libffm, two passes: the rows and encoder of the in-memory loader, in bounded chunks and shards', async () => {
    const root = await tmp();
    const path = join(root, 'train.ffm');
    await writeFile(path, libffmText(500, 1));
    const seen: StreamProgress[] = [];
    const r = await encodeToShards({ format: 'libffm', path }, join(root, 'out'), { chunkRows: 64, shardRows: 150, onProgress: (p) => seen.push(p) });
    expect(r.passes).toBe(2);
    expect(r.manifest.shards.length).toBe(4);
    const ref = await loadLibffm(path);
    const { src, ds } = await collect(join(root, 'out'));
    expect(src.encoder()?.toJSON()).toEqual(ref.encoder.toJSON());
    expect(ds.schema.equals(ref.dataset.schema)).toBe(true);
    expect(rowsOf(ds)).toEqual(rowsOf(ref.dataset));
    expect(seen.filter((p) => p.pass === 1).every((p) => p.phase === 'vocabulary')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ phase: 'encode', pass: 2, passes: 2, rows: 500, etaMs: 0 });
  });

  it('libffm, one pass with hashing: brute-force buckets and collision counts', async () => {
    const root = await tmp();
    const path = join(root, 'train.ffm');
    const text = libffmText(400, 2);
    await writeFile(path, text);
    const bits = 5;
    const r = await encodeToShards({ format: 'libffm', path }, join(root, 'out'), { hashing: { bits, seed: 9 }, chunkRows: 100 });
    expect(r.passes).toBe(1);
    const { ds, src } = await collect(join(root, 'out'));
    expect(ds.schema.fieldDims).toEqual([32, 32, 32, 32]);
    expect(src.manifest.hashing).toMatchObject({ seed: 9, bits: { f0: 5, f1: 5, f2: 5, f3: 5 } });
    const bucket = (f: string, idx: string) => murmur3(idx, murmur3(`f${f}`, 9)) % 32;
    const distinct = new Map<string, Set<string>>();
    text.trim().split('\r\n').forEach((line, row) => {
      const want = new Map<number, number>();
      for (const tok of line.split(' ').slice(1)) {
        const [f, idx, v] = tok.split(':') as [string, string, string];
        const id = Number(f) * 32 + bucket(f, idx);
        want.set(id, (want.get(id) ?? 0) + Number(v));
        distinct.set(f, (distinct.get(f) ?? new Set()).add(idx));
      }
      const got = new Map<number, number>();
      ds.rowIds(row).forEach((id, j) => got.set(id, ds.rowValues(row)[j] as number));
      expect(got).toEqual(want);
    });
    for (const fr of r.hashReport?.fields ?? []) {
      const toks = distinct.get(fr.field.slice(1)) as Set<string>;
      expect([fr.distinctTokens, fr.occupiedBuckets]).toEqual([toks.size, new Set([...toks].map((t) => bucket(fr.field.slice(1), t))).size]);
    }
    expect(r.hashReport?.collidedTokens).toBeGreaterThan(0);
    // A field first seen after the first chunk cannot join the fixed field list.
    await writeFile(path, `${libffmText(100, 3)}1 0:1:1 7:2:1\n`);
    await expect(encodeToShards({ format: 'libffm', path }, join(root, 'bad'), { hashing: { bits, seed: 9 }, chunkRows: 50 })).rejects.toThrow(
      `${path}:101: expected a field the encoder knows`,
    );
  });

  it('libsvm: ids kept as they are in one pass (the feature count grows to the largest index), or hashed', async () => {
    const root = await tmp();
    const path = join(root, 'train.libfm');
    const lines = Array.from({ length: 300 }, (_, i) => `${i % 2} ${(i % 7) + 1}:1 ${i === 250 ? 900 : (i % 11) + 20}:0.5`);
    await writeFile(path, lines.join('\n'));
    const r = await encodeToShards({ format: 'libsvm', path }, join(root, 'raw'), { chunkRows: 40 });
    expect(r.passes).toBe(1);
    // the in-memory loader maps indices through a vocabulary; back through it, they are the indices as written
    const ref = await loadLibsvm(path);
    const vocab = ref.encoder.vocabulary('features');
    const { ds } = await collect(join(root, 'raw'));
    expect(ds.schema.fieldDims).toEqual([900]);
    const written = (d: SparseDataset, id: (x: number) => number) =>
      Array.from({ length: d.numRows }, (_, r) => `${d.labels[r]}|${Array.from(d.rowIds(r), id)}|${Array.from(d.rowValues(r))}`);
    expect(written(ds, (x) => x + 1)).toEqual(written(ref.dataset, (x) => vocab.key(x) as number));
    const h = await encodeToShards({ format: 'libsvm', path }, join(root, 'hashed'), { hashing: { bits: 6 } });
    const hashed = (await collect(join(root, 'hashed'))).ds;
    const b = (idx: number) => murmur3(String(idx), murmur3('features', 0)) % 64;
    expect(Array.from(hashed.rowIds(250))).toEqual([b((250 % 7) + 1), b(900)].sort((x, y) => x - y)); // indices as written, 1-based
    expect(h.encoder?.hashBits('features')).toBe(6);
  });

  it('CSV: the rows of loadCsv + Encoder.fit; a test file encodes with the manifest encoder; a new day grows it', async () => {
    const root = await tmp();
    const spec = 'label=y,user:cat,age:num,tags:multi|,note:skip';
    const csv = (rows: [number, string, number, string][]) => `y,user,age,tags,note\n${rows.map((r) => `${r.join(',')},x`).join('\n')}\n`;
    const day1 = csv(Array.from({ length: 200 }, (_, i) => [i % 2, `u${i % 13}`, i / 4, ['a', 'a|b', '', 'c'][i % 4] as string]));
    const day2 = csv(Array.from({ length: 120 }, (_, i) => [i % 2, `u${(i % 17) + 5}`, i, ['d', 'a|d', 'b'][i % 3] as string]));
    await writeFile(join(root, 'day1.csv'), day1);
    await writeFile(join(root, 'day2.csv'), day2);
    const r1 = await encodeToShards({ format: 'csv', path: join(root, 'day1.csv'), columns: spec }, join(root, 's1'), { chunkRows: 33, minCount: 2 });
    expect(r1.passes).toBe(2);
    const l1 = await loadCsv(join(root, 'day1.csv'), spec);
    const fields = csvFieldConfigs(parseCsvSpec(spec)).map((f) => (f.kind === 'numeric' ? f : { ...f, minCount: 2 }));
    const enc1 = Encoder.fit(l1.frame, fields);
    const s1 = await collect(join(root, 's1'));
    expect(s1.src.encoder()?.toJSON()).toEqual(enc1.toJSON());
    expect(rowsOf(s1.ds)).toEqual(rowsOf(enc1.transform(l1.frame, l1.labels)));
    // Test file: one pass with the stored encoder; unseen users go to the OOV bucket.
    const l2 = await loadCsv(join(root, 'day2.csv'), spec);
    const t = await encodeToShards({ format: 'csv', path: join(root, 'day2.csv'), columns: spec }, join(root, 't'), { encoder: s1.src.encoder() });
    expect(t.passes).toBe(1);
    expect(rowsOf((await collect(join(root, 't'))).ds)).toEqual(rowsOf(enc1.transform(l2.frame, l2.labels)));
    // Warm start: grow with day 2's keys; old ids keep their meaning.
    const g = await encodeToShards({ format: 'csv', path: join(root, 'day2.csv'), columns: spec }, join(root, 'g'), {
      encoder: s1.src.encoder(),
      grow: true,
      chunkRows: 50,
    });
    expect(g.passes).toBe(2);
    const grown = enc1.grow(l2.frame);
    expect(g.encoder?.toJSON()).toEqual(grown.toJSON());
    expect(grown.schema.fieldDims[0]).toBeGreaterThan(enc1.schema.fieldDims[0] as number);
    expect(rowsOf((await collect(join(root, 'g'))).ds)).toEqual(rowsOf(grown.transform(l2.frame, l2.labels)));
  });

  it('Parquet: a Spark-style folder reads and encodes exactly like the same rows in CSV', async () => {
    const spec = 'label=label,user:cat,item:cat,price:num,tags:multi|,ts:skip';
    const pq = await loadParquet(join(fixtures, 'clicks'), spec);
    const cs = await loadCsv(join(fixtures, 'clicks.csv'), spec);
    expect(pq.frame).toEqual(cs.frame);
    expect(pq.labels).toEqual(cs.labels);
    expect(pq.frame.length).toBe(30);
    const root = await tmp();
    const a = await encodeToShards({ format: 'parquet', path: join(fixtures, 'clicks'), columns: spec }, join(root, 'pq'));
    const b = await encodeToShards({ format: 'csv', path: join(fixtures, 'clicks.csv'), columns: spec }, join(root, 'csv'), { chunkRows: 7 });
    expect(a.encoder?.toJSON()).toEqual(b.encoder?.toJSON());
    expect(rowsOf((await collect(join(root, 'pq'))).ds)).toEqual(rowsOf((await collect(join(root, 'csv'))).ds));
    // Hashed too, and a spec that leaves a column out is refused, naming it.
    const ha = await encodeToShards({ format: 'parquet', path: join(fixtures, 'clicks'), columns: spec }, join(root, 'hpq'), { hashing: { bits: 4 } });
    const hb = await encodeToShards({ format: 'csv', path: join(fixtures, 'clicks.csv'), columns: spec }, join(root, 'hcsv'), { hashing: { bits: 4 } });
    // hashed fields need no vocabulary, but the min-max scaling of "price" is measured in a first pass
    expect(ha.passes).toBe(2);
    const raw = await encodeToShards({ format: 'parquet', path: join(fixtures, 'clicks'), columns: `${spec},scale=none` }, join(root, 'rpq'), { hashing: { bits: 4 } });
    expect(raw.passes).toBe(1);
    expect(rowsOf((await collect(join(root, 'hpq'))).ds)).toEqual(rowsOf((await collect(join(root, 'hcsv'))).ds));
    expect(ha.hashReport).toEqual(hb.hashReport);
    await expect(loadParquet(join(fixtures, 'clicks'), 'label=label,user:cat,item:cat,price:num,tags:multi|')).rejects.toThrow('add "ts:skip" to ignore "ts"');
  });
});
