import { describe, expect, it } from 'vitest';
import { logNormalCdf, normalCdf } from './normal-cdf.js';

/** Φ(x) for x ≪ 0 from the asymptotic series φ(x)/|x|·(1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸), in the log. */
function logTail(x: number): number {
  const x2 = x * x;
  const series = 1 - 1 / x2 + 3 / x2 ** 2 - 15 / x2 ** 3 + 105 / x2 ** 4;
  return -0.5 * x2 - 0.5 * Math.log(2 * Math.PI) - Math.log(-x) + Math.log(series);
}

/** Φ(x) by Simpson's rule on the density over [−12, x] (an independent reference in the body). */
function simpsonCdf(x: number): number {
  const a = -12;
  const n = 20000;
  const h = (x - a) / n;
  const f = (t: number) => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
  let s = f(a) + f(x);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe('normalCdf / logNormalCdf', () => {
  it('match Simpson integration of the density in the body', () => {
    for (const x of [-4, -2.5, -1, -0.3, 0, 0.7, 1.5, 3]) {
      expect(normalCdf(x)).toBeCloseTo(simpsonCdf(x), 7);
      expect(logNormalCdf(x)).toBeCloseTo(Math.log(simpsonCdf(x)), 6);
    }
  });

  it('log Φ matches the asymptotic tail series where Φ underflows', () => {
    for (const x of [-15, -25, -40, -100]) {
      expect(Math.abs(logNormalCdf(x) - logTail(x))).toBeLessThan(2e-7);
    }
    expect(normalCdf(-40)).toBe(0);
    expect(Number.isFinite(logNormalCdf(-40))).toBe(true);
  });

  it('log Φ tends to 0 from below in the upper tail', () => {
    expect(logNormalCdf(10)).toBeLessThanOrEqual(0);
    expect(logNormalCdf(10)).toBeGreaterThan(-1e-20);
    expect(logNormalCdf(3)).toBeCloseTo(Math.log(simpsonCdf(3)), 7);
  });
});
