import { Rng, type SparseDataset } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { BayesianFm } from './bayesian-fm.js';
import { bruteFm, denseDataset, mixedDataset, quadrature2d, type Point } from './test-utils/references.js';

/**
 * One Gibbs sweep by the book, independent of the solver's caches: each coordinate θ in the
 * solver's order (w₀, then feature by feature wₗ, v_l0 … v_l,k−1) is drawn from its exact conditional,
 * a Gaussian whose precision and mean come from the brute-force log posterior
 * L(θ) = −α/2 Σ (y − ŷ(θ))² − λ/2 (θ − μ)²: L is quadratic in θ, so central differences are exact,
 * P = −L'', mean = θ + L'/P. One N(0, 1) draw per coordinate, from the same seeded stream.
 */
function referenceSweep(p: { bias: Float64Array; linear: Float64Array; factors: Float64Array }, k: number, ds: SparseDataset, rng: Rng, hyper: { alpha: number; l0: number; lw: number; mw: number; lv: number; mv: number }): void {
  const logPost = (lambda: number, mu: number, theta: number) => {
    let s = 0;
    for (let r = 0; r < ds.numRows; r++) s += ((ds.labels[r] as number) - bruteFm(p as Point, k, ds, r)) ** 2;
    return -0.5 * hyper.alpha * s - 0.5 * lambda * (theta - mu) ** 2;
  };
  const draw = (arr: Float64Array, i: number, lambda: number, mu: number) => {
    const t0 = arr[i] as number;
    const at = (t: number) => {
      arr[i] = t;
      return logPost(lambda, mu, t);
    };
    const f0 = at(t0);
    const fp = at(t0 + 1);
    const fm = at(t0 - 1);
    const prec = -(fp - 2 * f0 + fm);
    const mean = t0 + (fp - fm) / 2 / prec;
    arr[i] = mean + rng.normal() / Math.sqrt(prec);
  };
  draw(p.bias, 0, hyper.l0, 0);
  for (let l = 0; l < p.linear.length; l++) {
    draw(p.linear, l, hyper.lw, hyper.mw);
    for (let f = 0; f < k; f++) draw(p.factors, l * k + f, hyper.lv, hyper.mv);
  }
}

describe('BayesianFm MCMC conditionals', () => {
  it('each sweep draws every coordinate (w₀, w, V) from its exact conditional given the rest', () => {
    const ds = mixedDataset(30, 1);
    const k = 2;
    const hyper = { alpha: 3, l0: 0.2, lw: 2, mw: 0.1, lv: 5, mv: -0.05 };
    const initStd = 0.3;
    const seed = 17;
    const fm = new BayesianFm(ds, {
      k,
      seed,
      initStd,
      burnIn: 1000,
      groups: 'one',
      clip: false,
      prior: { biasPrecision: hyper.l0 },
      fixed: { noisePrecision: hyper.alpha, linear: { lambda: hyper.lw, mu: hyper.mw }, factors: { lambda: hyper.lv, mu: hyper.mv } },
    });
    // The reference replays the same stream: the initial factors, then one normal per coordinate.
    const rng = new Rng(seed);
    const n = ds.schema.numFeatures;
    const ref = { bias: new Float64Array(1), linear: new Float64Array(n), factors: Float64Array.from({ length: n * k }, () => initStd * rng.normal()) };
    for (let it = 0; it < 3; it++) {
      fm.iterate();
      referenceSweep(ref, k, ds, rng, hyper);
      const got = fm.posteriorMean(); // the current sample during burn-in (Float32)
      expect(got.bias[0]).toBeCloseTo(ref.bias[0] as number, 4);
      for (let i = 0; i < n; i++) expect(got.linear[i]).toBeCloseTo(ref.linear[i] as number, 4);
      for (let i = 0; i < n * k; i++) expect(got.factors[i]).toBeCloseTo(ref.factors[i] as number, 4);
    }
  });

  // k = 1, no bias or linear term, two features: ŷ = v₁v₂x₁x₂, a two-parameter posterior with two
  // symmetric modes; the chain's mean and spread of v₁v₂ must match 2-D quadrature.
  it.each([
    ['well identified', 30, 0.8, 1.0],
    ['weak, strongly non-Gaussian', 4, 0.3, 0.5],
  ])('the joint posterior of (v₁, v₂), %s, matches quadrature', (_name, rows, scale, noise) => {
    const rng = new Rng(9);
    const x = Array.from({ length: rows }, () => [0.5 + rng.next(), 0.5 + rng.next()]);
    const y = x.map((r) => scale * (r[0] as number) * (r[1] as number) + noise * rng.normal());
    const ds = denseDataset(x, y);
    const alpha = 1 / (noise * noise);
    const lambda = 1;
    const fm = new BayesianFm(ds, { k: 1, bias: false, linear: false, seed: 4, burnIn: 200, clip: false, groups: 'one', fixed: { noisePrecision: alpha, factors: { lambda } } });
    const probe = fm.track(denseDataset([[1, 1]], [0]));
    for (let i = 0; i < 60200; i++) fm.iterate();
    const labels = Array.from(ds.labels);
    const logDensity = (a: number, b: number) => {
      let s = 0;
      x.forEach((r, t) => (s += ((labels[t] as number) - a * b * (r[0] as number) * (r[1] as number)) ** 2));
      return -0.5 * alpha * s - 0.5 * lambda * (a * a + b * b);
    };
    const [m, m2] = quadrature2d(logDensity, 4, 800, [(a, b) => a * b, (a, b) => (a * b) ** 2]) as [number, number];
    const sd = Math.sqrt(m2 - m * m);
    expect(Math.abs((fm.trackedMean(probe)[0] as number) - m)).toBeLessThan(0.03 * Math.max(sd, 0.1) + 0.01);
    expect((fm.trackedStd(probe)[0] as number) / sd).toBeGreaterThan(0.93);
    expect((fm.trackedStd(probe)[0] as number) / sd).toBeLessThan(1.07);
  });
});
