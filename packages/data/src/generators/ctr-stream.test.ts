import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSource, concatDatasets, ctrStream, generateCtr, type StreamProgress } from '../index.js';
import { ShardedDataset, writeCtrShards } from '../node.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

describe('ctrStream', () => {
  const opts = { fields: 6, hashSize: 603, rank: 3, seed: 4, calibrationRows: 20_000 };

  it('plants the model generateCtr plants for the seed and draws rows from the same distribution', () => {
    const ref = generateCtr({ ...opts, rows: 20_000 });
    const s = ctrStream({ ...opts, rows: 20_000 });
    expect(s.planted.linear).toEqual(ref.planted.linear);
    expect(s.planted.factors).toEqual(ref.planted.factors);
    expect(s.schema.equals(ref.dataset.schema)).toBe(true);
    // Scales and bias come from a calibration sample: close to those fitted on generateCtr's rows.
    expect(Math.abs(s.planted.linearScale / ref.planted.linearScale - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.planted.pairScale / ref.planted.pairScale - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.planted.bias - ref.planted.bias)).toBeLessThan(0.05);
    const chunks = [...s.chunks(3000)];
    expect(chunks.map((c) => c.dataset.numRows)).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 2000]);
    const d = concatDatasets(chunks.map((c) => c.dataset));
    const prob = Float32Array.from(chunks.flatMap((c) => Array.from(c.probability)));
    expect(() => d.validate()).not.toThrow();
    // Each probability follows from the planted FM: bias + scales × (Σ w + Σ_{j<k} <v_j, v_k>), brute force.
    const p = s.planted;
    for (const i of [0, 2999, 3000, 19_999]) {
      const ids = Array.from(d.rowIds(i));
      let pair = 0;
      for (let a = 0; a < ids.length; a++) {
        for (let b = a + 1; b < ids.length; b++) {
          for (let r = 0; r < p.rank; r++) pair += (p.factors[ids[a]! * p.rank + r] as number) * (p.factors[ids[b]! * p.rank + r] as number);
        }
      }
      const lin = ids.reduce((acc, id) => acc + (p.linear[id] as number), 0);
      expect(prob[i]).toBeCloseTo(sigmoid(p.bias + p.linearScale * lin + p.pairScale * pair), 5);
    }
    // Click rate near the target; bestLogLoss is the mean log loss of the true probabilities.
    const st = s.stats();
    const positives = d.labels.reduce((a, y) => a + y, 0);
    expect(st.baseRate).toBe(positives / 20_000);
    expect(Math.abs(st.baseRate - 0.25)).toBeLessThan(0.02);
    let ll = 0;
    for (let i = 0; i < d.numRows; i++) ll -= d.labels[i] ? Math.log(prob[i] as number) : Math.log(1 - (prob[i] as number));
    expect(st.bestLogLoss).toBeCloseTo(ll / d.numRows, 4);
    expect(Math.abs(st.bestLogLoss - ref.bestLogLoss)).toBeLessThan(0.02);
    // Zipf fields: the top id of field 0 takes about ln 2 / ln 102 of the rows.
    const counts = new Map<number, number>();
    for (let i = 0; i < d.numRows; i++) counts.set(d.ids[i * 6]!, (counts.get(d.ids[i * 6]!) ?? 0) + 1);
    expect(Math.abs(Math.max(...counts.values()) / d.numRows - Math.log(2) / Math.log(102))).toBeLessThan(0.02);
  });

  it('gives the same first rows whatever the row count and the chunking', () => {
    const short = concatDatasets([...ctrStream({ ...opts, rows: 1000 }).chunks(128)].map((c) => c.dataset));
    const long = concatDatasets([...ctrStream({ ...opts, rows: 3000 }).chunks(700)].map((c) => c.dataset)).slice(0, 1000);
    expect(long.ids).toEqual(short.ids);
    expect(long.labels).toEqual(short.labels);
  });

  it('writes straight to shards with progress reports', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fm-ctr-'));
    dirs.push(root);
    const seen: StreamProgress[] = [];
    const r = await writeCtrShards(join(root, 'ctr'), { ...opts, rows: 5000, chunkRows: 1000, shardRows: 1500, onProgress: (p) => seen.push(p) });
    expect(r.manifest.shards.map((s) => s.rows)).toEqual([1500, 1500, 1500, 500]);
    expect(r.manifest.source?.generator).toBe('ctr');
    expect(seen.map((p) => p.rows)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(seen.at(-1)?.etaMs).toBe(0);
    const back = await collectSource(await ShardedDataset.open(join(root, 'ctr')));
    const direct = concatDatasets([...ctrStream({ ...opts, rows: 5000 }).chunks()].map((c) => c.dataset));
    expect(back.ids).toEqual(direct.ids);
    expect(back.labels).toEqual(direct.labels);
    const again = ctrStream({ ...opts, rows: 5000 });
    for (const c of again.chunks(512)) expect(c.dataset.numRows).toBeGreaterThan(0);
    expect(r.bestLogLoss).toBe(again.stats().bestLogLoss);
  });
});
