import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { BayesianFm } from './bayesian-fm.js';
import { denseDataset, invert, matVec } from './test-utils/references.js';

// With k = 0 and the hyperparameters held fixed, the Bayesian FM is Bayesian linear regression:
// y ~ N(w₀ + xᵀw, 1/α), w₀ ~ N(0, 1/λ₀), wⱼ ~ N(μ, 1/λ). Its posterior is Gaussian in closed form,
// N(m, Σ) with Σ = (α X̃ᵀX̃ + Λ)⁻¹ and m = Σ(α X̃ᵀy + Λm₀) over X̃ = [1, X] (Bishop, PRML §3.3).
describe('BayesianFm MCMC, k = 0: the closed-form Bayesian linear regression posterior', () => {
  const rng = new Rng(5);
  const rows = 40;
  const x = Array.from({ length: rows }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const y = x.map((r) => 1 + 0.5 * (r[0] as number) - (r[1] as number) + 0.3 * (r[2] as number) + 0.5 * rng.normal());
  const train = denseDataset(x, y);
  const alpha = 4;
  const lambda = 2;
  const mu = 0.1;
  const lambda0 = 0.5;
  const labels = Array.from(train.labels);
  // Closed form.
  const xt = x.map((r) => [1, ...r]);
  const prec = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => alpha * xt.reduce((s, r) => s + (r[i] as number) * (r[j] as number), 0) + (i === j ? (i === 0 ? lambda0 : lambda) : 0)));
  const cov = invert(prec);
  const rhs = [0, 1, 2, 3].map((i) => alpha * xt.reduce((s, r, t) => s + (r[i] as number) * (labels[t] as number), 0) + (i === 0 ? 0 : lambda * mu));
  const mean = matVec(cov, rhs);

  const fm = new BayesianFm(train, {
    k: 0,
    seed: 3,
    groups: 'one',
    burnIn: 100,
    keepSamples: 1000,
    clip: false,
    prior: { biasPrecision: lambda0 },
    fixed: { noisePrecision: alpha, linear: { lambda, mu } },
  });
  // Probe rows x̃ = (1, eⱼ): ŷ = w₀ + wⱼ, whose posterior variance is x̃ᵀΣx̃.
  const probes = denseDataset([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, -1, 2]], [0, 0, 0, 0]);
  const probeX = [[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [1, 0.5, -1, 2]];
  const h = fm.track(probes);
  for (let i = 0; i < 20100; i++) fm.iterate();

  it('the posterior mean of (w₀, w) matches m', () => {
    const pm = fm.posteriorMean();
    const got = [pm.bias[0] as number, ...Array.from(pm.linear)];
    got.forEach((g, i) => expect(Math.abs(g - (mean[i] as number))).toBeLessThan(0.006));
  });

  it('the predictive mean and spread over all samples match x̃ᵀm and √(x̃ᵀΣx̃)', () => {
    const m = fm.trackedMean(h);
    const sd = fm.trackedStd(h);
    probeX.forEach((xv, r) => {
      const want = xv.reduce((s, v, i) => s + v * (mean[i] as number), 0);
      const variance = xv.reduce((s, vi, i) => s + vi * xv.reduce((t, vj, j) => t + ((cov[i] as number[])[j] as number) * vj, 0), 0);
      expect(Math.abs((m[r] as number) - want)).toBeLessThan(0.01);
      expect((sd[r] as number) / Math.sqrt(variance)).toBeGreaterThan(0.95);
      expect((sd[r] as number) / Math.sqrt(variance)).toBeLessThan(1.05);
    });
  });

  it('predict() from the kept, thinned samples agrees, and includeNoise adds 1/α', () => {
    const p = fm.predict(probes);
    expect(p.samples).toBeGreaterThan(500);
    const withNoise = fm.predict(probes, { includeNoise: true });
    probeX.forEach((xv, r) => {
      const want = xv.reduce((s, v, i) => s + v * (mean[i] as number), 0);
      const variance = xv.reduce((s, vi, i) => s + vi * xv.reduce((t, vj, j) => t + ((cov[i] as number[])[j] as number) * vj, 0), 0);
      expect(Math.abs((p.mean[r] as number) - want)).toBeLessThan(0.02);
      expect((p.std[r] as number) / Math.sqrt(variance)).toBeGreaterThan(0.85);
      expect((p.std[r] as number) / Math.sqrt(variance)).toBeLessThan(1.15);
      expect(withNoise.std[r] as number).toBeCloseTo(Math.sqrt((p.std[r] as number) ** 2 + 1 / alpha), 5);
    });
  });
});
