import { describe, expect, it } from 'vitest';
import { AliasTable } from './alias-table.js';
import { NegativeSampler } from './negative-sampler.js';
import { Rng } from './rng.js';

/** A small log: user u (ids 10, 20, ...) has seen a random subset of items (ids 101..100+I). */
function smallLog(users: number, items: number, density: number, seed: number) {
  const rng = new Rng(seed);
  const u: number[] = [];
  const it: number[] = [];
  const seen = new Set<string>();
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < items; b++) {
      if (rng.next() < density) {
        u.push(10 * (a + 1));
        it.push(101 + b);
        seen.add(`${10 * (a + 1)}:${101 + b}`);
        if (rng.next() < 0.1) {
          u.push(10 * (a + 1)); // duplicates are allowed
          it.push(101 + b);
        }
      }
    }
  }
  const catalogue = Int32Array.from({ length: items }, (_, b) => 101 + b);
  return { user: Int32Array.from(u), item: Int32Array.from(it), catalogue, seen };
}

describe('NegativeSampler', () => {
  it('isPositive agrees with a brute-force set on every (user, item) pair', () => {
    const log = smallLog(12, 30, 0.3, 1);
    const s = new NegativeSampler(log, log.catalogue);
    for (let a = 0; a <= 13; a++) {
      for (let b = 95; b < 135; b++) expect(s.isPositive(10 * a, b)).toBe(log.seen.has(`${10 * a}:${b}`));
    }
  });

  for (const distribution of ['uniform', 'popularity'] as const) {
    it(`${distribution}: training negatives are never positives (exhaustive), in the catalogue, deterministic`, () => {
      // Densities from sparse to nearly full, so both rejection and complement paths run.
      const log = smallLog(20, 25, 0.9, 2);
      const extra = smallLog(20, 25, 0.2, 3);
      const user = Int32Array.from([...log.user, ...extra.user.map((x) => x + 1000)]);
      const item = Int32Array.from([...log.item, ...extra.item]);
      const seen = new Set([...log.seen, ...Array.from(extra.seen, (k) => k.replace(/^(\d+)/, (m) => String(Number(m) + 1000)))]);
      const s = new NegativeSampler({ user, item }, log.catalogue, { distribution });
      const rows = user.filter((id) => s.unseenCount(id) > 0);
      const neg = s.sampleForTraining(rows, 4, 42);
      expect(neg.user.length).toBe(rows.length * 4);
      for (let j = 0; j < neg.user.length; j++) {
        expect(neg.user[j]).toBe(rows[Math.floor(j / 4)]);
        expect(seen.has(`${neg.user[j]}:${neg.item[j]}`)).toBe(false);
        expect(neg.item[j]! >= 101 && neg.item[j]! <= 125).toBe(true);
      }
      expect(s.sampleForTraining(rows, 4, 42)).toEqual(neg);
      expect(Array.from(s.sampleForTraining(rows, 4, 43).item)).not.toEqual(Array.from(neg.item));
    });

    it(`${distribution}: evaluation negatives are distinct, unseen, deterministic and independent of the other users`, () => {
      const log = smallLog(15, 40, 0.5, 4);
      const s = new NegativeSampler(log, log.catalogue, { distribution });
      const users = Int32Array.from({ length: 15 }, (_, a) => 10 * (a + 1)).filter((id) => s.unseenCount(id) >= 8);
      expect(users.length).toBeGreaterThan(5);
      const m = s.sampleForEvaluation(users, 8, 9);
      expect(m.size).toBe(users.length);
      for (const [u, negs] of m) {
        expect(negs).toHaveLength(8);
        expect(new Set(negs).size).toBe(8);
        for (const i of negs) expect(log.seen.has(`${u}:${i}`)).toBe(false);
      }
      const again = s.sampleForEvaluation(users.slice().reverse(), 8, 9);
      for (const u of users) expect(again.get(u)).toEqual(m.get(u));
      const one = s.sampleForEvaluation(users.subarray(2, 3), 8, 9);
      expect(one.get(users[2]!)).toEqual(m.get(users[2]!));
      const other = s.sampleForEvaluation(users, 8, 10);
      expect(users.some((u) => Array.from(other.get(u)!).join() !== Array.from(m.get(u)!).join())).toBe(true);
    });
  }

  it('eval negatives take every unseen item when n equals the unseen count, and throw when more are asked', () => {
    const user = Int32Array.from([1, 1, 1, 2]);
    const item = Int32Array.from([3, 5, 6, 3]);
    const catalogue = Int32Array.from([2, 3, 4, 5, 6, 7]);
    const s = new NegativeSampler({ user, item }, catalogue);
    expect(Array.from(s.sampleForEvaluation(Int32Array.from([1]), 3, 0).get(1)!)).toEqual([2, 4, 7]);
    expect(() => s.sampleForEvaluation(Int32Array.from([1]), 4, 0)).toThrow(/user 1 has only 3 unseen items.*4 negatives/);
    // A user with no positives can draw any item.
    expect(Array.from(s.sampleForEvaluation(Int32Array.from([99]), 6, 0).get(99)!)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('throws when a training row’s user has seen everything', () => {
    const s = new NegativeSampler({ user: Int32Array.from([1, 1, 2]), item: Int32Array.from([7, 8, 7]) }, Int32Array.from([7, 8]));
    expect(Array.from(s.sampleForTraining(Int32Array.from([2, 2]), 3, 1).item)).toEqual([8, 8, 8, 8, 8, 8]);
    expect(() => s.sampleForTraining(Int32Array.from([2, 1]), 1, 1)).toThrow(/user 1 \(row 1\).*every item/);
  });

  it('rejects bad input with clear errors', () => {
    const cat = Int32Array.from([1, 2, 3]);
    expect(() => new NegativeSampler({ user: new Int32Array(2), item: new Int32Array(3) }, cat)).toThrow(/2 rows.*3/);
    expect(() => new NegativeSampler({ user: Int32Array.from([1]), item: Int32Array.from([9]) }, cat)).toThrow(/row 0 has item 9.*not in the catalogue/);
    expect(() => new NegativeSampler({ user: new Int32Array(0), item: new Int32Array(0) }, Int32Array.from([1, 2, 1]))).toThrow(
      /item id 1 twice/,
    );
    const s = new NegativeSampler({ user: Int32Array.from([1]), item: Int32Array.from([2]) }, cat);
    expect(() => s.sampleForTraining(Int32Array.from([1]), 0, 1)).toThrow(/n must be an integer ≥ 1/);
  });

  it('popularity negatives follow count^α over unseen items (chi-square)', () => {
    // 60 "background" users give item i (0..9) a popularity of i+1 users; the probed user 0 has seen item 9 only.
    const user: number[] = [];
    const item: number[] = [];
    for (let i = 0; i < 10; i++) for (let k = 0; k <= i; k++) {
      user.push(1000 + k);
      item.push(i);
    }
    user.push(0);
    item.push(9);
    const catalogue = Int32Array.from({ length: 12 }, (_, i) => i); // items 10, 11: never seen → weight 0
    const alpha = 0.75;
    const s = new NegativeSampler({ user: Int32Array.from(user), item: Int32Array.from(item) }, catalogue, {
      distribution: 'popularity',
      popularityExponent: alpha,
    });
    const draws = 40000;
    const neg = s.sampleForTraining(new Int32Array(1), draws, 5);
    const counts = new Array<number>(12).fill(0);
    for (const i of neg.item) counts[i]!++;
    expect(counts[9]).toBe(0);
    expect(counts[10]).toBe(0);
    expect(counts[11]).toBe(0);
    // Expected: weight (users with a positive on i)^α, i.e. (i+1)^α, for items 0..8.
    const w = Array.from({ length: 9 }, (_, i) => Math.pow(i + 1, alpha));
    const total = w.reduce((a, b) => a + b, 0);
    let chi2 = 0;
    for (let i = 0; i < 9; i++) {
      const e = (draws * w[i]!) / total;
      chi2 += (counts[i]! - e) ** 2 / e;
    }
    // 8 degrees of freedom: P(chi2 > 26.1) = 0.001.
    expect(chi2).toBeLessThan(26.1);
  });

  it('uniform negatives are uniform over the unseen items, on the complement path too (chi-square)', () => {
    // User 1 has seen 18 of 20 items (complement path); user 2 has seen 2 (rejection path).
    const item = Int32Array.from([...Array.from({ length: 18 }, (_, i) => i), 0, 1]);
    const user = Int32Array.from([...new Array<number>(18).fill(1), 2, 2]);
    const s = new NegativeSampler({ user, item }, Int32Array.from({ length: 20 }, (_, i) => i));
    for (const [u, free] of [
      [1, [18, 19]],
      [2, Array.from({ length: 18 }, (_, i) => i + 2)],
    ] as const) {
      const draws = 18000;
      const neg = s.sampleForTraining(Int32Array.from([u]), draws, 3);
      const counts = new Map<number, number>();
      for (const i of neg.item) counts.set(i, (counts.get(i) ?? 0) + 1);
      expect(Array.from(counts.keys()).sort((a, b) => a - b)).toEqual([...free]);
      const e = draws / free.length;
      const chi2 = [...counts.values()].reduce((a, c) => a + (c - e) ** 2 / e, 0);
      expect(chi2).toBeLessThan(free.length === 2 ? 10.8 : 40.8); // p = 0.001 at 1 and 17 dof
    }
  });

  for (const numItems of [4, 12]) {
    it(`weighted eval draws without replacement have the successive-sampling inclusion probabilities (${numItems} items)`, () => {
      // Item i has popularity i+1; pick 2 without replacement. 4 items: complement path (Efraimidis–Spirakis keys); 12: rejection.
      const user: number[] = [];
      const item: number[] = [];
      for (let i = 0; i < numItems; i++) for (let k = 0; k <= i; k++) {
        user.push(100 + k);
        item.push(i);
      }
      const catalogue = Int32Array.from({ length: numItems }, (_, i) => i);
      const s = new NegativeSampler({ user: Int32Array.from(user), item: Int32Array.from(item) }, catalogue, { distribution: 'popularity' });
      const w = Array.from({ length: numItems }, (_, i) => i + 1);
      const W = w.reduce((a, b) => a + b, 0);
      // P(i among the first two draws) = w_i/W + Σ_{j≠i} (w_j/W)(w_i/(W-w_j)).
      const expected = w.map((wi, i) => {
        let p = wi / W;
        for (let j = 0; j < numItems; j++) if (j !== i) p += (w[j]! / W) * (wi / (W - w[j]!));
        return p;
      });
      const trials = 6000;
      const hits = new Array<number>(numItems).fill(0);
      const users = Int32Array.from({ length: trials }, (_, t) => 5000 + t); // fresh users: nothing seen
      for (const negs of s.sampleForEvaluation(users, 2, 77).values()) {
        expect(negs[0]).not.toBe(negs[1]);
        for (const i of negs) hits[i]!++;
      }
      for (let i = 0; i < numItems; i++) expect(Math.abs(hits[i]! / trials - expected[i]!)).toBeLessThan(0.03);
    });
  }
});

describe('AliasTable', () => {
  it('draws each outcome with probability weight/total', () => {
    const weights = [0, 1, 5, 0.5, 3.5];
    const t = new AliasTable(weights);
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0, 0];
    const draws = 50000;
    for (let k = 0; k < draws; k++) counts[t.sample(rng)]!++;
    expect(counts[0]).toBe(0);
    for (let i = 1; i < 5; i++) expect(Math.abs(counts[i]! / draws - weights[i]! / 10)).toBeLessThan(0.01);
  });

  it('rejects negative, non-finite or all-zero weights', () => {
    expect(() => new AliasTable([1, -1])).toThrow(/weight 1/);
    expect(() => new AliasTable([0, 0])).toThrow(/positive total/);
  });
});
