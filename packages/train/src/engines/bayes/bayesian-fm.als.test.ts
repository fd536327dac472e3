import { Rng, logNormalCdf } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { BayesianFm } from './bayesian-fm.js';
import { findRelationalBlocks } from './relational-block.js';
import { bruteFm, denseDataset, invert, matVec, mixedDataset as dataset, relationalDataset, type Point } from './test-utils/references.js';

describe('BayesianFm ALS', () => {
  it.each([
    ['', dataset(40, 2), 0],
    [', a relational block swept per key included', relationalDataset(120, 2), 1],
  ])('every coordinate update is the exact least-squares optimum given the rest (per-group L2)%s', (_name, ds, blocks) => {
    const k = 2;
    expect(findRelationalBlocks(ds, k).length).toBe(blocks);
    const initStd = 0.2;
    const seed = 5;
    const l2 = { bias: 0.3, linear: [1, 2, 0.5, 0.8], factors: [3, 0.7, 1.5, 0.4] };
    const fm = new BayesianFm(ds, { solver: 'als', k, seed, initStd, l2, clip: false });
    // Reference: coordinate descent by the book on J = Σ (y − ŷ)² + Σ λ_θ θ² with ŷ by the pairwise
    // definition. J is quadratic in each θ, so θ* = θ − J'/J'' from central differences is exact.
    const n = ds.schema.numFeatures;
    const field = ds.schema.featureFieldTable();
    const rng = new Rng(seed);
    const ref: Point & { bias: Float64Array; linear: Float64Array; factors: Float64Array } = {
      bias: new Float64Array(1),
      linear: new Float64Array(n),
      factors: Float64Array.from({ length: n * k }, () => initStd * rng.normal()),
    };
    const solve = (arr: Float64Array, i: number, lambda: number) => {
      const at = (t: number) => {
        arr[i] = t;
        let s = 0;
        for (let r = 0; r < ds.numRows; r++) s += ((ds.labels[r] as number) - bruteFm(ref, k, ds, r)) ** 2;
        return s + lambda * t * t;
      };
      const t0 = arr[i] as number;
      const f0 = at(t0);
      const fp = at(t0 + 1);
      const fm1 = at(t0 - 1);
      arr[i] = t0 - (fp - fm1) / 2 / (fp - 2 * f0 + fm1);
    };
    for (let it = 0; it < 3; it++) {
      fm.iterate();
      solve(ref.bias, 0, l2.bias);
      for (let l = 0; l < n; l++) {
        solve(ref.linear, l, l2.linear[field[l] as number] as number);
        for (let f = 0; f < k; f++) solve(ref.factors, l * k + f, l2.factors[field[l] as number] as number);
      }
      const got = fm.posteriorMean();
      expect(got.bias[0]).toBeCloseTo(ref.bias[0] as number, 4);
      for (let i = 0; i < n; i++) expect(got.linear[i]).toBeCloseTo(ref.linear[i] as number, 4);
      for (let i = 0; i < n * k; i++) expect(got.factors[i]).toBeCloseTo(ref.factors[i] as number, 4);
    }
  });

  it('with k = 0 it converges to the closed-form ridge solution', () => {
    const rng = new Rng(3);
    const x = Array.from({ length: 30 }, () => [rng.normal(), rng.normal(), 0.5 * rng.normal()]);
    const y = x.map((r) => 2 + (r[0] as number) - 0.5 * (r[1] as number) + 0.2 * rng.normal());
    const ds = denseDataset(x, y);
    const lam = 1.5;
    const fm = new BayesianFm(ds, { solver: 'als', k: 0, groups: 'one', l2: { bias: 0.1, linear: lam }, clip: false });
    for (let i = 0; i < 300; i++) fm.iterate();
    const xt = x.map((r) => [1, ...r]);
    const labels = Array.from(ds.labels);
    const a = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => xt.reduce((s, r) => s + (r[i] as number) * (r[j] as number), 0) + (i === j ? (i === 0 ? 0.1 : lam) : 0)));
    const w = matVec(invert(a), [0, 1, 2, 3].map((i) => xt.reduce((s, r, t) => s + (r[i] as number) * (labels[t] as number), 0)));
    const got = fm.posteriorMean();
    expect(got.bias[0]).toBeCloseTo(w[0] as number, 4);
    for (let j = 0; j < 3; j++) expect(got.linear[j]).toBeCloseTo(w[j + 1] as number, 4);
    expect(fm.iterate().phase).toBe('als');
  });

  describe('binary (EM on the probit latent utilities)', () => {
    const ds = dataset(60, 7, true);
    const objective = (fm: BayesianFm, l2: number) => {
      const p = fm.posteriorMean();
      let s = 0;
      for (let r = 0; r < ds.numRows; r++) {
        const eta = bruteFm(p, fm.settings.k, ds, r);
        s += logNormalCdf(ds.labels[r] === 1 ? eta : -eta);
      }
      let pen = 0;
      for (const v of [...p.linear, ...p.factors]) pen += v * v;
      return s - 0.5 * l2 * pen;
    };

    it('never decreases the penalised probit log likelihood (generalised EM)', () => {
      const l2 = 2;
      const fm = new BayesianFm(ds, { solver: 'als', task: 'binary', k: 2, seed: 1, initStd: 0.3, l2: { linear: l2, factors: l2 } });
      let last = objective(fm, l2);
      for (let i = 0; i < 40; i++) {
        fm.iterate();
        const now = objective(fm, l2);
        expect(now).toBeGreaterThanOrEqual(last - 1e-5);
        last = now;
      }
    });

    it('with k = 0 it reaches the probit MAP found by Newton’s method', () => {
      const l2 = 1;
      const fm = new BayesianFm(ds, { solver: 'als', task: 'binary', k: 0, l2: { bias: l2, linear: l2 } });
      for (let i = 0; i < 3000; i++) fm.iterate();
      // Newton on f(w) = Σ log Φ(sᵢ x̃ᵢᵀw) − λ|w|²/2 (bias included), dense over the 8 features.
      const n = ds.schema.numFeatures;
      const xt = Array.from({ length: ds.numRows }, (_, r) => {
        const row = new Array<number>(n + 1).fill(0);
        row[0] = 1;
        ds.rowIds(r).forEach((id, j) => (row[id + 1] = ds.rowValues(r)[j] as number));
        return row;
      });
      let w = new Array<number>(n + 1).fill(0);
      for (let it = 0; it < 50; it++) {
        const g = w.map((wi) => -l2 * wi);
        const hess = w.map((_, i) => w.map((_, j) => (i === j ? l2 : 0)));
        xt.forEach((row, r) => {
          const s = ds.labels[r] === 1 ? 1 : -1;
          const eta = row.reduce((t, v, j) => t + v * (w[j] as number), 0);
          const mills = Math.exp(-0.5 * eta * eta - 0.5 * Math.log(2 * Math.PI) - logNormalCdf(s * eta));
          const d2 = mills * (mills + s * eta);
          row.forEach((vi, i) => {
            g[i] = (g[i] as number) + s * mills * vi;
            row.forEach((vj, j) => ((hess[i] as number[])[j] = ((hess[i] as number[])[j] as number) + d2 * vi * vj));
          });
        });
        const step = matVec(invert(hess), g);
        w = w.map((wi, i) => wi + (step[i] as number));
      }
      const got = fm.posteriorMean();
      expect(got.bias[0]).toBeCloseTo(w[0] as number, 3);
      for (let j = 0; j < n; j++) expect(got.linear[j]).toBeCloseTo(w[j + 1] as number, 3);
    });
  });
});
