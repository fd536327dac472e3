import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { createNativeParams } from '../native/params.js';
import { nativePredict } from '../native/predict.js';
import { BayesianFm } from './bayesian-fm.js';
import { bruteFm } from './test-utils/references.js';

/** A seeded user × item rating set from hidden rank-2 factors, with a numeric side feature. */
function ratings(rows: number, seed: number, binary = false): SparseDataset {
  const rng = new Rng(seed);
  const U = 12;
  const I = 9;
  const pu = Array.from({ length: U * 2 }, () => rng.normal());
  const qi = Array.from({ length: I * 2 }, () => rng.normal());
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: U },
    { name: 'item', kind: 'categorical', cardinality: I },
    { name: 'x', kind: 'numeric', cardinality: 1 },
  ]);
  const offsets = [0];
  const ids: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const u = rng.int(U);
    const i = rng.int(I);
    const x = rng.normal();
    ids.push(u, U + i, U + I);
    values.push(1, 1, x);
    offsets.push(ids.length);
    const s = 0.5 * ((pu[2 * u] as number) * (qi[2 * i] as number) + (pu[2 * u + 1] as number) * (qi[2 * i + 1] as number)) + 0.3 * x + 0.3 * rng.normal();
    labels.push(binary ? (s > 0 ? 1 : 0) : 3 + s);
  }
  return new SparseDataset({ schema, labels: Float32Array.from(labels), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: Float32Array.from(values) });
}

const train = ratings(300, 1);
const test = ratings(80, 2);

describe('BayesianFm', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number) => {
      const fm = new BayesianFm(train, { k: 3, seed, burnIn: 5 });
      for (let i = 0; i < 20; i++) fm.iterate();
      return fm.toBytes();
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('keeps the running test prediction equal to the average of the per-sample predictions', () => {
    const fm = new BayesianFm(train, { k: 3, seed: 2, burnIn: 4, clip: false });
    const h = fm.track(test);
    const ht = fm.track(train);
    const sum = new Float64Array(test.numRows);
    const sumTrain = new Float64Array(train.numRows);
    let count = 0;
    for (let i = 0; i < 12; i++) fm.iterate();
    // Independent reference: re-run the identical chain and score every post-burn-in sample by brute force.
    const ref = new BayesianFm(train, { k: 3, seed: 2, burnIn: 1000, clip: false });
    for (let i = 0; i < 12; i++) {
      ref.iterate();
      if (i + 1 > 4) {
        const cur = ref.posteriorMean(); // still in (its own) burn-in: the current sample
        for (let r = 0; r < test.numRows; r++) sum[r] = (sum[r] as number) + bruteFm(cur, 3, test, r);
        for (let r = 0; r < train.numRows; r++) sumTrain[r] = (sumTrain[r] as number) + bruteFm(cur, 3, train, r);
        count++;
      }
    }
    const mean = fm.trackedMean(h);
    const meanTrain = fm.trackedMean(ht);
    for (let r = 0; r < test.numRows; r++) expect(mean[r]).toBeCloseTo((sum[r] as number) / count, 4);
    for (let r = 0; r < train.numRows; r++) expect(meanTrain[r]).toBeCloseTo((sumTrain[r] as number) / count, 4);
  });

  it('resumes a checkpoint bit for bit, tracked running means included', () => {
    for (const task of ['regression', 'binary'] as const) {
      const tr = ratings(300, 1, task === 'binary');
      const te = ratings(80, 2, task === 'binary');
      const opts = { k: 3, seed: 11, burnIn: 6, task, keepSamples: 4 };
      const a = new BayesianFm(tr, opts);
      const ha = a.track(te);
      for (let i = 0; i < 30; i++) a.iterate();
      const b = new BayesianFm(tr, opts);
      b.track(te);
      for (let i = 0; i < 17; i++) b.iterate();
      const c = BayesianFm.fromBytes(b.toBytes({ checkpoint: true }), tr);
      const hc = c.track(te);
      expect(c.iteration).toBe(17);
      for (let i = 0; i < 13; i++) c.iterate();
      expect(c.toBytes({ checkpoint: true })).toEqual(a.toBytes({ checkpoint: true }));
      expect(c.trackedMean(hc)).toEqual(a.trackedMean(ha));
      expect(c.predict(te)).toEqual(a.predict(te));
    }
  });

  it('round-trips the model bytes: a loaded model predicts the same and cannot iterate without data', () => {
    const fm = new BayesianFm(train, { k: 3, seed: 3, burnIn: 5, keepSamples: 7 });
    for (let i = 0; i < 25; i++) fm.iterate();
    const bytes = fm.toBytes();
    const loaded = BayesianFm.fromBytes(bytes);
    expect(loaded.keptSamples).toBe(fm.keptSamples);
    expect(loaded.predict(test)).toEqual(fm.predict(test));
    expect(loaded.posteriorMean()).toEqual(fm.posteriorMean());
    expect(loaded.settings).toEqual(fm.settings);
    expect(() => loaded.iterate()).toThrow(/no training data bound/);
    // Resumed from model bytes (no caches): the chain goes on from the same parameters.
    const resumed = BayesianFm.fromBytes(bytes, train);
    expect(resumed.iterate().iteration).toBe(26);
  });

  it('rejects bytes that are not a saved chain, or from another version', () => {
    expect(() => BayesianFm.fromBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).toThrow(/bad magic/);
    const fm = new BayesianFm(train, { k: 2 });
    const bytes = fm.toBytes();
    const text = new TextDecoder().decode(bytes);
    const patched = new TextEncoder().encode(text.replace('"version":1', '"version":9'));
    expect(() => BayesianFm.fromBytes(patched)).toThrow(/version 9/);
    expect(() => BayesianFm.fromBytes(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });

  it('keeps a bounded, evenly thinned set of samples', () => {
    const fm = new BayesianFm(train, { k: 2, seed: 1, burnIn: 0, keepSamples: 10 });
    for (let i = 0; i < 100; i++) fm.iterate();
    // 100 samples offered, at most 10 kept: every 16th (0, 16, …, 96) after three halvings.
    expect(fm.keptSamples).toBe(7);
    const tiny = new BayesianFm(train, { k: 2, burnIn: 0, keepSamples: 1000, maxSampleBytes: 3 * 4 * (1 + 22 + 44) + 30 });
    for (let i = 0; i < 10; i++) tiny.iterate();
    expect(tiny.keptSamples).toBeLessThanOrEqual(3);
  });

  it('exports its point estimate in the native engine layout', () => {
    const fm = new BayesianFm(train, { solver: 'als', k: 3, clip: false });
    for (let i = 0; i < 5; i++) fm.iterate();
    const p = fm.posteriorMean();
    const fused = createNativeParams('fm', train.schema.fieldDims, 3, { seed: 0, initStd: 0 });
    fused.bias.set(p.bias);
    fused.linear.set(p.linear);
    fused.factors.set(p.factors);
    const want = fm.predict(test).mean;
    const got = nativePredict(fused, test);
    for (let r = 0; r < test.numRows; r++) expect(got[r]).toBeCloseTo(want[r] as number, 4);
  });

  it('clips regression means to the training label range unless told otherwise', () => {
    const fm = new BayesianFm(train, { k: 2, burnIn: 0 });
    for (let i = 0; i < 5; i++) fm.iterate();
    let lo = Infinity;
    let hi = -Infinity;
    for (const y of train.labels) {
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
    const far = new SparseDataset({ schema: train.schema, labels: new Float32Array(2), offsets: Int32Array.from([0, 1, 2]), ids: Int32Array.from([21, 21]), values: Float32Array.from([1000, -1000]) });
    expect(new Set(fm.predict(far).mean)).toEqual(new Set([Math.fround(lo), Math.fround(hi)]));
    const unclipped = new BayesianFm(train, { k: 2, burnIn: 0, clip: false });
    unclipped.iterate();
    expect(Math.max(...Array.from(unclipped.predict(far).mean).map(Math.abs))).toBeGreaterThan(hi);
  });

  it('gives each field its own hyperparameters by default, one set with groups: one', () => {
    const rng = new Rng(4);
    // Field "big" carries large linear effects, field "small" none: their precisions must differ.
    const schema = new FieldSchema([
      { name: 'big', kind: 'categorical', cardinality: 20 },
      { name: 'small', kind: 'categorical', cardinality: 20 },
    ]);
    const effect = Array.from({ length: 20 }, () => 2 * rng.normal());
    const rows = 2000;
    const ids = new Int32Array(2 * rows);
    const labels = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const a = rng.int(20);
      ids[2 * r] = a;
      ids[2 * r + 1] = 20 + rng.int(20);
      labels[r] = (effect[a] as number) + 0.3 * rng.normal();
    }
    const ds = new SparseDataset({ schema, labels, offsets: Int32Array.from({ length: rows + 1 }, (_, r) => 2 * r), ids, values: new Float32Array(2 * rows).fill(1) });
    const fm = new BayesianFm(ds, { k: 0, seed: 1 });
    for (let i = 0; i < 50; i++) fm.iterate();
    const hp = fm.hyperparameters();
    expect(hp.groups).toBe(2);
    expect(hp.linear.lambda[1] as number).toBeGreaterThan(20 * (hp.linear.lambda[0] as number));
    const one = new BayesianFm(ds, { k: 0, groups: 'one' });
    one.iterate();
    expect(one.hyperparameters().groups).toBe(1);
    expect(() => new BayesianFm(ds, { k: 0, groups: new Int32Array(3) })).toThrow(/one per feature \(40\)/);
    expect(() => new BayesianFm(ds, { solver: 'als', k: 0, l2: { linear: [1, 2, 3] } })).toThrow(/one per group \(2\)/);
  });

  it('rejects options the chosen solver or task cannot honour, and bad values, naming them', () => {
    expect(() => new BayesianFm(train, { solver: 'als', burnIn: 5 })).toThrow("option burnIn does not apply to solver 'als'");
    expect(() => new BayesianFm(train, { solver: 'als', fixed: { noisePrecision: 1 } })).toThrow("option fixed does not apply to solver 'als'");
    expect(() => new BayesianFm(train, { l2: { linear: 1 } })).toThrow("option l2 does not apply to solver 'mcmc'");
    const bin = ratings(50, 3, true);
    expect(() => new BayesianFm(bin, { task: 'binary', clip: [0, 1] })).toThrow("option clip does not apply to task 'binary'");
    expect(() => new BayesianFm(bin, { task: 'binary', fixed: { noisePrecision: 2 } })).toThrow('fixed.noisePrecision does not apply');
    expect(() => new BayesianFm(train, { k: -1 })).toThrow('k must be an integer ≥ 0, got -1');
    expect(() => new BayesianFm(train, { solver: 'gibbs' as never })).toThrow("solver must be 'mcmc' or 'als', got gibbs");
    expect(() => new BayesianFm(train, { prior: { alpha0: 0 } })).toThrow('prior.alpha0 must be a positive number, got 0');
  });

  it('reports per-iteration progress', () => {
    const fm = new BayesianFm(train, { k: 3, burnIn: 2 });
    const infos = Array.from({ length: 5 }, () => fm.iterate());
    expect(infos.map((i) => i.phase)).toEqual(['burn-in', 'burn-in', 'sampling', 'sampling', 'sampling']);
    expect(infos.map((i) => i.samples)).toEqual([0, 0, 1, 2, 3]);
    for (const i of infos) {
      expect(i.trainRmse).toBeGreaterThan(0);
      expect(i.noisePrecision).toBeGreaterThan(0);
      expect(i.millis).toBeGreaterThanOrEqual(0);
    }
    // Training RMSE of the current sample, by brute force.
    const cur = new BayesianFm(train, { k: 3, burnIn: 1000 });
    const info = cur.iterate();
    const p = cur.posteriorMean();
    let se = 0;
    for (let r = 0; r < train.numRows; r++) se += ((train.labels[r] as number) - bruteFm(p, 3, train, r)) ** 2;
    expect(info.trainRmse).toBeCloseTo(Math.sqrt(se / train.numRows), 4);
  });
});
