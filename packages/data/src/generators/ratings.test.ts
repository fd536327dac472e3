import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { normalCdf } from '../normal-cdf.js';
import { expectedRoundedRating, generateRatings } from './ratings.js';

describe('generateRatings', () => {
  it('MovieLens-100K shape by default: ids 1-based, ≥ 20 distinct items per user, density ± 10%, increasing timestamps', () => {
    const g = generateRatings({ seed: 1 });
    const x = g.interactions;
    expect([g.numUsers, g.numItems, g.rank]).toEqual([943, 1682, 8]);
    expect(Math.abs(x.length / (943 * 1682) - 0.063)).toBeLessThan(0.0063);
    const perUser = new Map<number, Set<number>>();
    const itemCount = new Map<number, number>();
    const problems: string[] = [];
    for (let r = 0; r < x.length; r++) {
      const u = x.user[r]!;
      const i = x.item[r]!;
      const y = x.rating[r]!;
      if (!(u >= 1 && u <= 943 && i >= 1 && i <= 1682)) problems.push(`row ${r}: ids ${u}, ${i}`);
      if (!(Number.isInteger(y) && y >= 1 && y <= 5)) problems.push(`row ${r}: rating ${y}`);
      const s = perUser.get(u) ?? new Set<number>();
      if (s.has(i)) problems.push(`row ${r}: user ${u} rates item ${i} twice`);
      s.add(i);
      perUser.set(u, s);
      itemCount.set(i, (itemCount.get(i) ?? 0) + 1);
      if (r > 0 && x.user[r - 1] === u && !(x.timestamp[r]! > x.timestamp[r - 1]!)) problems.push(`row ${r}: time not increasing`);
    }
    expect(problems).toEqual([]);
    expect(perUser.size).toBe(943);
    expect(Math.min(...Array.from(perUser.values(), (s) => s.size))).toBeGreaterThanOrEqual(20);
    // Skewed popularity: the top 10% of items hold far more than 10% of the ratings.
    const sorted = Array.from(itemCount.values()).sort((a, b) => b - a);
    const top = sorted.slice(0, 168).reduce((a, b) => a + b, 0);
    expect(top / x.length).toBeGreaterThan(0.3);
    // MovieLens-like moments.
    const ys = Array.from(x.rating);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sd = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
    expect(mean).toBeCloseTo(g.globalMean, 6);
    expect(Math.abs(mean - 3.5)).toBeLessThan(0.15);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.25);
    // Titles and genres.
    expect(g.items.size).toBe(1682);
    const it17 = g.items.get(17)!;
    expect(it17.title).toBe(`Synthetic movie 17 (${it17.year})`);
    expect(it17.genres.length).toBeGreaterThanOrEqual(1);
  });

  it('is deterministic for a seed and different for another', () => {
    const a = generateRatings({ users: 60, items: 80, density: 0.3, seed: 5 });
    const b = generateRatings({ users: 60, items: 80, density: 0.3, seed: 5 });
    const c = generateRatings({ users: 60, items: 80, density: 0.3, seed: 6 });
    expect(b.interactions).toEqual(a.interactions);
    expect(b.bestRmse).toBe(a.bestRmse);
    expect(Array.from(c.interactions.rating.slice(0, 200))).not.toEqual(Array.from(a.interactions.rating.slice(0, 200)));
  });

  it('supports the fully rated 100 × 50 continuous table; bestRmse ≈ noise and equals the planted score’s RMSE', () => {
    const g = generateRatings({ users: 100, items: 50, density: 1, round: false, noise: 0.3, seed: 2 });
    const x = g.interactions;
    expect(x.length).toBe(5000);
    const pairs = new Set(Array.from(x.user, (u, r) => `${u}:${x.item[r]}`));
    expect(pairs.size).toBe(5000);
    expect(Array.from(x.rating).some((y) => !Number.isInteger(y))).toBe(true);
    // Recompute the planted score from the returned factors, independently of the generator loop.
    const p = g.planted;
    let se = 0;
    for (let r = 0; r < x.length; r++) {
      const u = x.user[r]! - 1;
      const i = x.item[r]! - 1;
      let s = p.mean + p.userBias[u]! + p.itemBias[i]!;
      for (let k = 0; k < g.rank; k++) s += p.userFactors[u * g.rank + k]! * p.itemFactors[i * g.rank + k]!;
      se += (s - x.rating[r]!) ** 2;
    }
    expect(g.bestRmse).toBeCloseTo(Math.sqrt(se / x.length), 5);
    expect(g.scoreRmse).toBe(g.bestRmse);
    // Sample RMSE of 5000 N(0, 0.3²) draws: within a few percent of 0.3.
    expect(Math.abs(g.bestRmse - 0.3)).toBeLessThan(0.015);
    const noiseless = generateRatings({ users: 30, items: 40, density: 1, round: false, noise: 0, seed: 2 });
    expect(noiseless.bestRmse).toBeLessThan(1e-6);
  });

  it('with rounding, bestRmse uses E[y|s], which beats the raw score', () => {
    const g = generateRatings({ users: 200, items: 300, density: 0.2, noise: 0.8, seed: 3 });
    expect(g.bestRmse).toBeLessThan(g.scoreRmse);
    expect(g.bestRmse).toBeGreaterThan(0.5);
  });

  it('rejects a density too low for the per-user minimum, and bad sizes', () => {
    expect(() => generateRatings({ items: 100, density: 0.1 })).toThrow(/10\.0 ratings per user.*minimum of 20/);
    expect(() => generateRatings({ users: 0 })).toThrow(/users must be an integer ≥ 1/);
    expect(() => generateRatings({ density: 1.5 })).toThrow(/density/);
  });
});

describe('expectedRoundedRating', () => {
  it('matches a Monte Carlo estimate of E[clip(round(s + ε), 1, 5)]', () => {
    const rng = new Rng(9);
    for (const [s, noise] of [
      [3.2, 0.6],
      [0.4, 1],
      [5.7, 0.5],
      [2.5, 0.2],
    ] as const) {
      let sum = 0;
      const n = 40000;
      for (let j = 0; j < n; j++) sum += Math.min(5, Math.max(1, Math.round(s + noise * rng.normal())));
      expect(Math.abs(expectedRoundedRating(s, noise) - sum / n)).toBeLessThan(0.02);
    }
    expect(expectedRoundedRating(3.4, 0)).toBe(3);
    expect(expectedRoundedRating(7, 0)).toBe(5);
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655254, 6);
  });
});
