import { describe, expect, it } from 'vitest';
import { Rng, normalCdf } from '@fm/data';
import { gammaVariate, truncatedNormalVariate } from './random-variates.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let m = 0;
  let m2 = 0;
  for (let i = 1; i <= n; i++) {
    const x = draw();
    const d = x - m;
    m += d / i;
    m2 += d * (x - m);
  }
  return { mean: m, variance: m2 / n };
}

/** Standard normal density. */
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

describe('gammaVariate', () => {
  it.each([
    [0.3, 2],
    [1, 1],
    [2.5, 0.5],
    [400, 30],
  ])('shape %f rate %f has mean shape/rate and variance shape/rate²', (shape, rate) => {
    const rng = new Rng(7);
    const n = 60000;
    const { mean, variance } = moments(() => gammaVariate(rng, shape, rate), n);
    const sd = Math.sqrt(shape) / rate;
    expect(Math.abs(mean - shape / rate)).toBeLessThan((5 * sd) / Math.sqrt(n));
    expect(variance / (shape / rate ** 2)).toBeGreaterThan(0.95);
    expect(variance / (shape / rate ** 2)).toBeLessThan(1.05);
  });

  it('rejects non-positive parameters', () => {
    expect(() => gammaVariate(new Rng(1), 0, 1)).toThrow(/positive/);
  });
});

describe('truncatedNormalVariate', () => {
  // Closed form of N(μ, 1) truncated to (0, ∞): mean μ + φ(μ)/Φ(μ), variance 1 − λ(λ + μ) with λ = φ(μ)/Φ(μ).
  it.each([-6, -2, -0.4, 0, 1.3, 4])('positive side, mean %f, matches the closed-form moments', (mu) => {
    const rng = new Rng(11);
    const n = 40000;
    const lam = phi(mu) / normalCdf(mu);
    const { mean, variance } = moments(() => truncatedNormalVariate(rng, mu, true), n);
    const v = 1 - lam * (lam + mu);
    expect(Math.abs(mean - (mu + lam))).toBeLessThan((5 * Math.sqrt(v)) / Math.sqrt(n));
    expect(variance / v).toBeGreaterThan(0.95);
    expect(variance / v).toBeLessThan(1.05);
  });

  it('the negative side mirrors the positive one and never crosses 0', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      expect(truncatedNormalVariate(rng, 5, false)).toBeLessThan(0);
      expect(truncatedNormalVariate(rng, -5, true)).toBeGreaterThan(0);
    }
    const n = 40000;
    const mu = 0.8;
    const lam = phi(-mu) / normalCdf(-mu);
    const { mean } = moments(() => truncatedNormalVariate(rng, mu, false), n);
    expect(Math.abs(mean - (mu - lam))).toBeLessThan(5 / Math.sqrt(n));
  });
});
