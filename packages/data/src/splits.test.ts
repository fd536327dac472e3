import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { kFold, leaveLastOut, randomSplit, temporalSplit, type Split } from './splits.js';

/** Sorted ascending, disjoint, and together exactly 0..n-1. */
function expectPartition(s: Split, n: number): void {
  for (const a of [s.train, s.test]) {
    for (let i = 1; i < a.length; i++) expect(a[i]! > a[i - 1]!).toBe(true);
  }
  const count = new Int32Array(n);
  for (const a of [s.train, s.test]) for (const r of a) count[r]!++;
  expect(Array.from(count).every((c) => c === 1)).toBe(true);
}

describe('randomSplit', () => {
  it('is a partition with round(n·f) test rows, deterministic per seed', () => {
    const s = randomSplit(1001, { testFraction: 0.2, seed: 7 });
    expectPartition(s, 1001);
    expect(s.test.length).toBe(200);
    expect(s.train.length).toBe(801);
    expect(randomSplit(1001, { testFraction: 0.2, seed: 7 })).toEqual(s);
    expect(Array.from(randomSplit(1001, { testFraction: 0.2, seed: 8 }).test)).not.toEqual(Array.from(s.test));
  });

  it('spreads the test rows over the whole range', () => {
    const s = randomSplit(10000, { testFraction: 0.5, seed: 1 });
    const firstHalf = Array.from(s.test).filter((r) => r < 5000).length;
    // Hypergeometric: mean 2500, sd ≈ 25.
    expect(Math.abs(firstHalf - 2500)).toBeLessThan(150);
  });

  it('rejects bad arguments', () => {
    expect(() => randomSplit(10, { testFraction: 0, seed: 1 })).toThrow(/testFraction.*\(0, 1\)/);
    expect(() => randomSplit(10, { testFraction: 1, seed: 1 })).toThrow(/testFraction/);
    expect(() => randomSplit(-1, { testFraction: 0.5, seed: 1 })).toThrow(/non-negative integer/);
    expect(() => randomSplit(10, { testFraction: 0.5, seed: NaN })).toThrow(/seed/);
  });
});

describe('kFold', () => {
  it('puts every row in exactly one test fold, folds of near-equal size, each split a partition', () => {
    const n = 103;
    const folds = kFold(n, 5, { seed: 3 });
    expect(folds).toHaveLength(5);
    const inTest = new Int32Array(n);
    for (const f of folds) {
      expectPartition(f, n);
      expect([20, 21]).toContain(f.test.length);
      for (const r of f.test) inTest[r]!++;
    }
    expect(Array.from(inTest).every((c) => c === 1)).toBe(true);
    expect(kFold(n, 5, { seed: 3 })).toEqual(folds);
    expect(kFold(n, 5, { seed: 4 })).not.toEqual(folds);
  });

  it('rejects k < 2 or k > n', () => {
    expect(() => kFold(10, 1, { seed: 0 })).toThrow(/2 ≤ k ≤ n = 10/);
    expect(() => kFold(3, 4, { seed: 0 })).toThrow(/2 ≤ k ≤ n = 3/);
    expect(() => kFold(10, 2.5, { seed: 0 })).toThrow(/k must be an integer/);
  });
});

describe('leaveLastOut', () => {
  function randomLog(rows: number, users: number, seed: number): { user: Int32Array; timestamp: Float64Array } {
    const rng = new Rng(seed);
    const user = new Int32Array(rows);
    const timestamp = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      user[r] = 100 + rng.int(users) * 7; // sparse raw ids
      timestamp[r] = rng.int(50); // many ties
    }
    return { user, timestamp };
  }

  it('holds out exactly one row per user with ≥ 2 rows, and it has that user’s max timestamp', () => {
    const { user, timestamp } = randomLog(2000, 150, 11);
    const s = leaveLastOut(user, timestamp, { seed: 5 });
    expectPartition(s, user.length);
    // Brute-force reference: per user, count and max timestamp.
    const count = new Map<number, number>();
    const maxT = new Map<number, number>();
    for (let r = 0; r < user.length; r++) {
      count.set(user[r]!, (count.get(user[r]!) ?? 0) + 1);
      maxT.set(user[r]!, Math.max(maxT.get(user[r]!) ?? -Infinity, timestamp[r]!));
    }
    const testUsers = Array.from(s.test).map((r) => user[r]!);
    expect(new Set(testUsers).size).toBe(testUsers.length);
    expect(testUsers.length).toBe(Array.from(count.values()).filter((c) => c >= 2).length);
    for (const r of s.test) expect(timestamp[r]).toBe(maxT.get(user[r]!));
    // No leakage: nothing in train is later than that user's test row.
    const testTime = new Map(Array.from(s.test).map((r) => [user[r]!, timestamp[r]!]));
    for (const r of s.train) {
      const t = testTime.get(user[r]!);
      if (t !== undefined) expect(timestamp[r]!).toBeLessThanOrEqual(t);
    }
  });

  it('keeps users below minInteractions entirely in train', () => {
    const user = Int32Array.from([1, 1, 2, 3, 3, 3]);
    const timestamp = Float64Array.from([5, 9, 4, 1, 3, 2]);
    expect(Array.from(leaveLastOut(user, timestamp).test)).toEqual([1, 4]);
    expect(Array.from(leaveLastOut(user, timestamp, { minInteractions: 3 }).test)).toEqual([4]);
    expect(Array.from(leaveLastOut(user, timestamp, { minInteractions: 1 }).test)).toEqual([1, 2, 4]);
  });

  it('breaks timestamp ties by the seed, uniformly', () => {
    const user = new Int32Array(4).fill(9);
    const timestamp = Float64Array.from([1, 7, 7, 7]);
    const picks = new Map<number, number>();
    for (let seed = 0; seed < 600; seed++) {
      const s = leaveLastOut(user, timestamp, { seed });
      expect(s.test).toHaveLength(1);
      picks.set(s.test[0]!, (picks.get(s.test[0]!) ?? 0) + 1);
      expect(leaveLastOut(user, timestamp, { seed }).test[0]).toBe(s.test[0]);
    }
    expect(picks.has(0)).toBe(false);
    for (const r of [1, 2, 3]) expect(Math.abs(picks.get(r)! - 200)).toBeLessThan(60);
  });

  it('rejects mismatched lengths and non-finite timestamps, naming the row', () => {
    expect(() => leaveLastOut(new Int32Array(3), new Float64Array(2))).toThrow(/3 rows but timestamp has 2/);
    expect(() => leaveLastOut(new Int32Array(3), Float64Array.from([1, NaN, 2]))).toThrow(/row 1/);
  });
});

describe('temporalSplit', () => {
  it('puts every row at/after the cutoff in test', () => {
    const ts = Float64Array.from([5, 1, 9, 3, 7, 7, 2]);
    const s = temporalSplit(ts, { cutoff: 7 });
    expectPartition(s, ts.length);
    expect(Array.from(s.test)).toEqual([2, 4, 5]);
  });

  it('with testFraction, picks the cutoff so that the latest rows are test and ties stay together', () => {
    const ts = Float64Array.from([5, 1, 9, 3, 7, 8, 2, 4, 6, 10]);
    const s = temporalSplit(ts, { testFraction: 0.3 });
    expect(Array.from(s.test)).toEqual([2, 5, 9]); // 9, 8, 10
    const tied = Float64Array.from([1, 2, 3, 3, 3]);
    expect(Array.from(temporalSplit(tied, { testFraction: 0.2 }).test)).toEqual([2, 3, 4]);
    const rng = new Rng(2);
    const big = Float64Array.from({ length: 1000 }, () => rng.next());
    const b = temporalSplit(big, { testFraction: 0.25 });
    expectPartition(b, 1000);
    expect(b.test.length).toBe(250);
    const minTest = Math.min(...Array.from(b.test).map((r) => big[r]!));
    expect(Array.from(b.train).every((r) => big[r]! < minTest)).toBe(true);
  });

  it('rejects bad options and timestamps', () => {
    expect(() => temporalSplit(new Float64Array(3), { testFraction: 1.5 })).toThrow(/testFraction/);
    expect(() => temporalSplit(Float64Array.from([1, Infinity]), { cutoff: 0 })).toThrow(/row 1/);
    expect(() => temporalSplit(new Float64Array(3), {} as { cutoff: number })).toThrow(/testFraction.*cutoff/);
  });
});
