import { describe, expect, it } from 'vitest';
import { Rng } from '@fm/data';
import { BayesianFm } from './bayesian-fm.js';
import type { BayesianFmOptions } from './bayesian-fm-options.js';
import { forwardRows } from './fm-forward.js';
import { findRelationalBlocks, forwardWithBlocks, prepareBlockScoring } from './relational-block.js';
import { mixedDataset, relationalDataset } from './test-utils/references.js';

describe('findRelationalBlocks', () => {
  const ds = relationalDataset(60, 3);

  it("finds the bag that repeats on every row of a key, with each key's rows and bag as the rows hold them", () => {
    const blocks = findRelationalBlocks(ds, 2);
    expect(blocks.length).toBe(1);
    const b = blocks[0]!;
    expect(ds.schema.fields[b.field]?.name).toBe('rated');
    expect(ds.schema.fields[b.keyField]?.name).toBe('user');
    expect([b.lo, b.hi]).toEqual([ds.schema.offsets[3], ds.schema.offsets[4]]);
    // brute force: group rows by their user id, read the rated entries off each row
    const byUser = new Map<number, number[]>();
    for (let r = 0; r < ds.numRows; r++) {
      const u = ds.rowIds(r)[0] as number;
      byUser.set(u, [...(byUser.get(u) ?? []), r]);
    }
    expect(b.keys).toBe(byUser.size);
    const seen = new Set<number>();
    for (let u = 0; u < b.keys; u++) {
      const rows = Array.from(b.rowList.subarray(b.rowStart[u], b.rowStart[u + 1]));
      const user = ds.rowIds(rows[0]!)[0] as number;
      seen.add(user);
      expect(rows).toEqual(byUser.get(user));
      const bag = [...b.bagIds.subarray(b.bagStart[u], b.bagStart[u + 1])];
      const weights = [...b.bagValues.subarray(b.bagStart[u], b.bagStart[u + 1])];
      for (const r of rows) {
        const ids = [...ds.rowIds(r)];
        const xs = [...ds.rowValues(r)];
        const at = ids.map((id, j) => (id >= b.lo ? j : -1)).filter((j) => j >= 0);
        expect(at.map((j) => ids[j])).toEqual(bag);
        expect(at.map((j) => xs[j])).toEqual(weights);
      }
      // the transposed lists: key u holds feature l with the same value
      bag.forEach((id, t) => {
        const l = id - b.lo;
        const keys = [...b.featKeys.subarray(b.featStart[l], b.featStart[l + 1])];
        const at = keys.indexOf(u);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(b.featValues[(b.featStart[l] as number) + at]).toBe(weights[t]);
      });
    }
    expect(seen.size).toBe(b.keys);
    expect(b.featStart[b.hi - b.lo]).toBe(b.bagIds.length);
  });

  it('finds none where one row of a key holds a different bag, or where per-row entries are cheaper', () => {
    expect(findRelationalBlocks(relationalDataset(60, 3, { breakRow: 17 }), 2)).toEqual([]);
    // mixed: its multi-hot field has one entry per row, never more entries than rows
    expect(findRelationalBlocks(mixedDataset(60, 3), 2)).toEqual([]);
    // at a large k the per-key sums (k² per row) cost more than the bags' entries (k per entry)
    expect(findRelationalBlocks(ds, 40)).toEqual([]);
  });
});

describe('BayesianFm over a relational block', () => {
  /** The chain's parameters after `iterations` sweeps, per key and row by row, and their largest difference. */
  function compare(ds: ReturnType<typeof relationalDataset>, options: BayesianFmOptions, iterations: number, blocks = 1): { gap: number; scale: number; rmse: [number, number] } {
    expect(findRelationalBlocks(ds, options.k ?? 8).length).toBe(blocks);
    const a = new BayesianFm(ds, options);
    const b = new BayesianFm(ds, { ...options, relational: false });
    let ia = a.iterate();
    let ib = b.iterate();
    for (let i = 1; i < iterations; i++) {
      ia = a.iterate();
      ib = b.iterate();
    }
    const pa = a.posteriorMean();
    const pb = b.posteriorMean();
    let gap = 0;
    let scale = 0;
    for (const [x, y] of [[pa.bias, pb.bias], [pa.linear, pb.linear], [pa.factors, pb.factors]] as const) {
      for (let i = 0; i < x.length; i++) {
        gap = Math.max(gap, Math.abs((x[i] as number) - (y[i] as number)));
        scale = Math.max(scale, Math.abs(y[i] as number));
      }
    }
    return { gap, scale, rmse: [ia.trainRmse ?? ia.trainLogLoss ?? NaN, ib.trainRmse ?? ib.trainLogLoss ?? NaN] };
  }

  it.each([
    ['MCMC regression, k = 3', relationalDataset(80, 5), { k: 3, seed: 4 }, 1],
    ['MCMC regression, k = 0', relationalDataset(80, 5), { k: 0, seed: 4 }, 1],
    ['MCMC probit, k = 2', relationalDataset(80, 6, { binary: true }), { task: 'binary', k: 2, seed: 9 }, 1],
    ['ALS regression, k = 3', relationalDataset(80, 5), { solver: 'als', k: 3, l2: { linear: 0.5, factors: 0.7 } }, 1],
    ['MCMC regression, k = 2, two blocks (by user and by item)', relationalDataset(400, 8, { tags: true }), { k: 2, seed: 2 }, 2],
  ] as const)('%s: the same chain as the row-wise sweep', (_name, ds, options, blocks) => {
    // every draw comes from the same conditional (computed another way), so the two chains agree to rounding
    const { gap, scale, rmse } = compare(ds, options as BayesianFmOptions, 6, blocks);
    expect(scale).toBeGreaterThan(0.05);
    expect(gap).toBeLessThan(1e-9 * Math.max(1, scale));
    expect(rmse[0]).toBeCloseTo(rmse[1], 9);
  });
});

describe('BayesianFm option relational', () => {
  it('is true or false; anything else is an error naming it', () => {
    expect(() => new BayesianFm(relationalDataset(20, 1), { relational: 'no' as unknown as boolean })).toThrow(/relational must be true or false, got "no"/);
  });
});

describe('BayesianFm.predict and track over relational blocks', () => {
  it('give the row-wise predictive means and standard deviations', () => {
    const train = relationalDataset(80, 5, { tags: true });
    const test = relationalDataset(30, 12, { tags: true });
    expect(findRelationalBlocks(test, 3, 'score').length).toBe(2);
    const runs = [true, false].map((relational) => {
      const fm = new BayesianFm(train, { k: 3, seed: 4, burnIn: 2, relational });
      const h = fm.track(test);
      for (let i = 0; i < 6; i++) fm.iterate();
      return { p: fm.predict(test), tracked: fm.trackedMean(h) };
    });
    const [a, b] = runs as [(typeof runs)[number], (typeof runs)[number]];
    for (let r = 0; r < test.numRows; r++) {
      expect(a.p.mean[r]).toBeCloseTo(b.p.mean[r] as number, 5);
      expect(a.p.std[r]).toBeCloseTo(b.p.std[r] as number, 5);
      expect(a.tracked[r]).toBeCloseTo(b.tracked[r] as number, 5);
    }
    expect(Math.max(...a.p.std)).toBeGreaterThan(0.01);
  });
});

describe('forwardWithBlocks', () => {
  it.each([
    ['one block', relationalDataset(50, 4), 3, 1],
    ['two blocks', relationalDataset(50, 4, { tags: true }), 3, 2],
    ['two blocks, k = 0', relationalDataset(50, 4, { tags: true }), 0, 2],
  ] as const)('%s: ŷ and q as the row-wise forward gives them', (_name, ds, k, count) => {
    const blocks = findRelationalBlocks(ds, k, 'score');
    expect(blocks.length).toBe(count);
    const rng = new Rng(11);
    const n = ds.schema.numFeatures;
    const p = {
      bias: Float64Array.of(0.3),
      linear: Float64Array.from({ length: n }, () => rng.normal()),
      factors: Float64Array.from({ length: n * k }, () => rng.normal()),
    };
    const want = new Float64Array(ds.numRows);
    const wantQ = new Float64Array(ds.numRows * k);
    forwardRows(p, k, ds, want, new Float64Array(2 * Math.max(1, k)), wantQ);
    const got = new Float64Array(ds.numRows);
    const gotQ = new Float64Array(ds.numRows * k);
    forwardWithBlocks(p, k, prepareBlockScoring(ds, blocks), got, gotQ);
    for (let r = 0; r < ds.numRows; r++) expect(got[r]).toBeCloseTo(want[r] as number, 9);
    for (let i = 0; i < gotQ.length; i++) expect(gotQ[i]).toBeCloseTo(wantQ[i] as number, 9);
  });
});
