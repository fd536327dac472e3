import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { afterEach, describe, expect, it } from 'vitest';
import { BayesianFm } from './bayesian-fm.js';
import type { BayesianFmOptions } from './bayesian-fm-options.js';
import { buildColumnView } from './column-view.js';
import { findRelationalBlocks } from './relational-block.js';
import { localLanes, registerSweepThreads, sweepLane, sweepThreadPolicy, type LaneRunner, type SweepThreadPolicy } from './sweep-lanes.js';
import { workerSweepThreads } from './sweep-lanes-node.js';
import { planSweep, SWEEP_LANES } from './sweep-plan.js';
import { invert, lanedDataset, matVec } from './test-utils/references.js';

const original = sweepThreadPolicy();
afterEach(() => registerSweepThreads(original));

/** A chain's whole state as bytes (parameters, hyperparameters, generator, sums, kept samples). */
function run(ds: SparseDataset, options: BayesianFmOptions, iterations: number): { bytes: Uint8Array; threads: number; mean: Float32Array } {
  const fm = new BayesianFm(ds, options);
  const h = fm.track(ds.slice(0, 50));
  for (let i = 0; i < iterations; i++) fm.iterate();
  const out = { bytes: fm.toBytes(), threads: fm.threads, mean: fm.trackedMean(h) };
  fm.close();
  return out;
}

/** A policy that always uses `runner` (as if on 2 threads). */
const using = (runner: LaneRunner): SweepThreadPolicy => ({ threads: () => 2, create: () => runner });

describe('planSweep', () => {
  it('cuts row-disjoint fields (user, item) into lanes of about equal work, and nothing else', () => {
    const ds = lanedDataset(2000, 1, { rated: true, itemWeights: true });
    const blocks = findRelationalBlocks(ds, 4);
    const cols = buildColumnView(ds, blocks);
    const plan = planSweep(ds, cols, blocks);
    const o = ds.schema.offsets;
    expect(plan.map((s) => [s.lo, s.hi])).toEqual(ds.schema.fields.map((_, f) => [o[f], o[f + 1]]));
    expect(plan.map((s) => s.lanes !== undefined)).toEqual([true, true, false, false, false]);
    let maxColumn = 0;
    for (let l = 0; l < ds.schema.numFeatures; l++) maxColumn = Math.max(maxColumn, (cols.starts[l + 1] as number) - (cols.starts[l] as number));
    for (const seg of plan.filter((s) => s.lanes)) {
      const lanes = seg.lanes as Int32Array;
      expect(lanes.length).toBe(SWEEP_LANES + 1);
      expect([lanes[0], lanes[SWEEP_LANES]]).toEqual([seg.lo, seg.hi]);
      const work = (a: number, b: number) => (cols.starts[b] as number) - (cols.starts[a] as number) + (b - a);
      for (let p = 0; p < SWEEP_LANES; p++) {
        expect(lanes[p + 1] as number).toBeGreaterThanOrEqual(lanes[p] as number);
        expect(work(lanes[p] as number, lanes[p + 1] as number)).toBeLessThanOrEqual(work(seg.lo, seg.hi) / SWEEP_LANES + maxColumn + 1);
      }
    }
  });

  it('leaves a field in which one row has two entries, and small fields, unlaned', () => {
    const twice = lanedDataset(2000, 1, { twoUsersRow: 1234 });
    expect(planSweep(twice, buildColumnView(twice), []).map((s) => s.lanes !== undefined)).toEqual([false, true, false, false]);
    const few = lanedDataset(300, 1);
    expect(planSweep(few, buildColumnView(few), []).every((s) => s.lanes === undefined)).toBe(true);
  });
});

describe('laned sweeps', () => {
  const ds = lanedDataset(2400, 2, { rated: true, itemWeights: true });
  const base: BayesianFmOptions = { k: 4, seed: 9, burnIn: 3 };

  it('lanes share no rows: swept in reverse order, or on 2 and 3 worker threads, the chain is the same bit for bit', () => {
    const reverse: LaneRunner = {
      threads: 2,
      run(c, seg, seeds, linear) {
        for (let p = SWEEP_LANES - 1; p >= 0; p--) sweepLane(c, seg, seeds, linear, p);
      },
      close() {},
    };
    for (const options of [base, { ...base, task: 'binary' as const }, { k: 4, seed: 9, solver: 'als' as const }]) {
      const data = options.task === 'binary' ? lanedDataset(2400, 2, { rated: true, itemWeights: true, binary: true }) : ds;
      const one = run(data, { ...options, threads: 1 }, 6);
      expect(one.threads).toBe(1);
      registerSweepThreads(using(reverse));
      const reversed = run(data, { ...options, threads: 2 }, 6);
      expect(reversed.bytes).toEqual(one.bytes);
      registerSweepThreads(workerSweepThreads);
      for (const threads of [2, 3]) {
        const t = run(data, { ...options, threads }, 6);
        expect(t.threads).toBe(threads);
        expect(t.bytes).toEqual(one.bytes);
        expect(t.mean).toEqual(one.mean);
      }
      registerSweepThreads(original);
    }
  });

  it('the comparison sees a lane drawing from another lane’s seed', () => {
    const swapped: LaneRunner = {
      threads: 2,
      run(c, seg, seeds, linear) {
        const s = seeds ? Uint32Array.from(seeds, (_, p) => seeds[p ^ 1] as number) : undefined;
        localLanes.run(c, seg, s, linear);
      },
      close() {},
    };
    const one = run(ds, { ...base, threads: 1 }, 3);
    registerSweepThreads(using(swapped));
    expect(run(ds, { ...base, threads: 2 }, 3).bytes).not.toEqual(one.bytes);
  });

  it('a closed chain refuses to iterate but still predicts', () => {
    registerSweepThreads(workerSweepThreads);
    const fm = new BayesianFm(ds, { ...base, threads: 2 });
    fm.iterate();
    fm.iterate();
    fm.iterate();
    fm.iterate();
    fm.close();
    expect(() => fm.iterate()).toThrow(/closed/);
    expect(fm.predict(ds.slice(0, 5)).mean.length).toBe(5);
  });

  it('threads beyond one need worker threads registered', () => {
    expect(() => new BayesianFm(ds, { ...base, threads: 2 })).toThrow(/import '@fm\/train\/node'/);
    expect(() => new BayesianFm(ds, { ...base, threads: 0 })).toThrow(/threads/);
  });
});

// k = 0 with fixed hyperparameters is Bayesian linear regression (Bishop, PRML §3.3): the laned sweep of a
// 32-level categorical field must still sample its closed-form posterior N(m, Σ), Σ = (α X̃ᵀX̃ + Λ)⁻¹.
describe('a laned field samples the closed-form Bayesian linear regression posterior', () => {
  const L = 32;
  const rows = 1200;
  const rng = new Rng(11);
  const effect = Array.from({ length: L }, () => 0.5 * rng.normal());
  const level = Array.from({ length: rows }, () => rng.int(L));
  const xs = Array.from({ length: rows }, () => rng.normal());
  const y = level.map((g, r) => 1 + (effect[g] as number) + 0.4 * (xs[r] as number) + 0.7 * rng.normal());
  const schema = new FieldSchema([
    { name: 'g', kind: 'categorical', cardinality: L },
    { name: 'x', kind: 'numeric', cardinality: 1 },
  ]);
  const ds = new SparseDataset({
    schema,
    labels: Float32Array.from(y),
    offsets: Int32Array.from({ length: rows + 1 }, (_, r) => 2 * r),
    ids: Int32Array.from(level.flatMap((g) => [g, L])),
    values: Float32Array.from(xs.flatMap((x) => [1, x])),
  });
  const alpha = 2;
  const lambda = 3;
  const lambda0 = 0.5;
  const labels = Array.from(ds.labels);
  const design = level.map((g, r) => [1, ...Array.from({ length: L }, (_, j) => (j === g ? 1 : 0)), xs[r] as number]);
  const P = L + 2;
  const prec = Array.from({ length: P }, (_, i) => Array.from({ length: P }, (_, j) => alpha * design.reduce((s, d) => s + (d[i] as number) * (d[j] as number), 0) + (i === j ? (i === 0 ? lambda0 : lambda) : 0)));
  const cov = invert(prec);
  const mean = matVec(cov, Array.from({ length: P }, (_, i) => alpha * design.reduce((s, d, t) => s + (d[i] as number) * (labels[t] as number), 0)));

  it('is laned, and the posterior means of w₀ and every w match m', () => {
    expect(planSweep(ds, buildColumnView(ds), [])[0]?.lanes).toBeDefined();
    const fm = new BayesianFm(ds, { k: 0, seed: 5, groups: 'one', burnIn: 200, clip: false, prior: { biasPrecision: lambda0 }, fixed: { noisePrecision: alpha, linear: { lambda, mu: 0 } } });
    for (let i = 0; i < 20_200; i++) fm.iterate();
    const pm = fm.posteriorMean();
    const got = [pm.bias[0] as number, ...Array.from(pm.linear)];
    got.forEach((g, i) => expect(Math.abs(g - (mean[i] as number))).toBeLessThan(0.01 + 0.1 * Math.sqrt((cov[i] as number[])[i] as number)));
  });
});
