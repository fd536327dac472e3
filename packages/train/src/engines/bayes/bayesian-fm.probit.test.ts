import { Rng, logNormalCdf, normalCdf } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { BayesianFm } from './bayesian-fm.js';
import { denseDataset, quadrature2d } from './test-utils/references.js';

// Binary labels through probit data augmentation (Albert and Chib 1993): with k = 0, no bias and a
// fixed N(0, 1/λ) prior, the posterior of (w₁, w₂) is ∝ Πᵢ Φ(sᵢ wᵀxᵢ) · exp(−λ|w|²/2), sᵢ = ±1,
// which 2-D quadrature computes directly.
describe('BayesianFm MCMC, binary (probit)', () => {
  const rng = new Rng(21);
  const rows = 25;
  const x = Array.from({ length: rows }, () => [rng.normal(), rng.normal()]);
  const y = x.map((r) => ((r[0] as number) - 0.5 * (r[1] as number) + rng.normal() > 0 ? 1 : 0));
  const train = denseDataset(x, y);
  const lambda = 1;
  const logDensity = (a: number, b: number) => {
    let s = 0;
    x.forEach((r, i) => {
      const eta = a * (r[0] as number) + b * (r[1] as number);
      s += logNormalCdf(y[i] === 1 ? eta : -eta);
    });
    return s - 0.5 * lambda * (a * a + b * b);
  };
  const fm = new BayesianFm(train, { task: 'binary', k: 0, bias: false, seed: 8, burnIn: 200, groups: 'one', fixed: { linear: { lambda } } });
  const probe = fm.track(denseDataset([[1, 0], [0.3, 1]], [0, 0]));
  const infos = Array.from({ length: 40200 }, () => fm.iterate());

  it('the posterior mean of w matches quadrature', () => {
    const [m1, m2, s1, s2] = quadrature2d(logDensity, 5, 300, [(a) => a, (_a, b) => b, (a) => a * a, (_a, b) => b * b]) as number[];
    const sd1 = Math.sqrt((s1 as number) - (m1 as number) ** 2);
    const sd2 = Math.sqrt((s2 as number) - (m2 as number) ** 2);
    const pm = fm.posteriorMean();
    expect(Math.abs((pm.linear[0] as number) - (m1 as number))).toBeLessThan(0.03 * sd1);
    expect(Math.abs((pm.linear[1] as number) - (m2 as number))).toBeLessThan(0.03 * sd2);
  });

  it('P(y = 1 | x) = E[Φ(wᵀx)] and its spread match quadrature', () => {
    const probes = [[1, 0], [0.3, 1]];
    const mean = fm.trackedMean(probe);
    const sd = fm.trackedStd(probe);
    probes.forEach((p, r) => {
      const f = (a: number, b: number) => normalCdf(a * (p[0] as number) + b * (p[1] as number));
      const [e, e2] = quadrature2d(logDensity, 5, 300, [f, (a, b) => f(a, b) ** 2]) as [number, number];
      const s = Math.sqrt(e2 - e * e);
      expect(Math.abs((mean[r] as number) - e)).toBeLessThan(0.05 * s);
      expect((sd[r] as number) / s).toBeGreaterThan(0.95);
      expect((sd[r] as number) / s).toBeLessThan(1.05);
    });
  });

  it('reports the probit training log loss and no noise precision', () => {
    const last = infos[infos.length - 1];
    expect(last?.phase).toBe('sampling');
    expect(last?.noisePrecision).toBe(1);
    expect(last?.trainRmse).toBeUndefined();
    expect(last?.trainLogLoss).toBeGreaterThan(0.2);
    expect(last?.trainLogLoss).toBeLessThan(0.7);
  });

  it('rejects labels other than 0 and 1, naming the row', () => {
    expect(() => new BayesianFm(denseDataset([[1, 0], [0, 1]], [1, 0.5]), { task: 'binary' })).toThrow(/row 1 has label 0.5/);
  });
});
