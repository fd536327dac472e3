import { IntIndex } from './int-index.js';
import { Rng } from './rng.js';

/**
 * A train/test partition of rows `0..n-1`, as row indices (never copies of the data).
 * Both arrays are sorted ascending, disjoint, and together hold every row exactly once.
 */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

function checkCount(n: number, where: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: n must be a non-negative integer, got ${n}`);
}

function checkFraction(f: number, where: string): void {
  if (typeof f !== 'number' || !(f > 0 && f < 1)) {
    throw new Error(`${where}: testFraction must be a number in (0, 1), got ${f}`);
  }
}

function checkSeed(seed: number, where: string): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`${where}: seed must be a finite number, got ${seed}`);
}

/** Splits rows by a 0/1 mask (1 = test), keeping ascending order. */
export function splitFromMask(mask: Uint8Array): Split {
  let nTest = 0;
  for (let i = 0; i < mask.length; i++) nTest += mask[i] as number;
  const test = new Int32Array(nTest);
  const train = new Int32Array(mask.length - nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/**
 * A seeded uniform random split: `round(n * testFraction)` rows go to test.
 *
 * @param n number of rows.
 * @param opts.testFraction share of rows held out, in (0, 1).
 * @param opts.seed the same seed gives the same split.
 */
export function randomSplit(n: number, opts: { testFraction: number; seed: number }): Split {
  checkCount(n, 'randomSplit');
  checkFraction(opts.testFraction, 'randomSplit');
  checkSeed(opts.seed, 'randomSplit');
  const nTest = Math.round(n * opts.testFraction);
  const perm = new Rng(opts.seed).permutation(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < nTest; i++) mask[perm[i] as number] = 1;
  return splitFromMask(mask);
}

/**
 * Seeded k-fold cross-validation: rows are shuffled and dealt round-robin into `k` folds (sizes
 * differ by at most one); split `f` tests on fold `f` and trains on the others, so every row is in
 * exactly one test fold.
 *
 * @param n number of rows.
 * @param k number of folds, 2 ≤ k ≤ n.
 */
export function kFold(n: number, k: number, opts: { seed: number }): Split[] {
  checkCount(n, 'kFold');
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new Error(`kFold: k must be an integer with 2 ≤ k ≤ n = ${n}, got ${k}`);
  }
  checkSeed(opts.seed, 'kFold');
  const perm = new Rng(opts.seed).permutation(n);
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[perm[i] as number] = i % k;
  const splits: Split[] = [];
  const mask = new Uint8Array(n);
  for (let f = 0; f < k; f++) {
    for (let i = 0; i < n; i++) mask[i] = fold[i] === f ? 1 : 0;
    splits.push(splitFromMask(mask));
  }
  return splits;
}

/**
 * Leave-last-out, the protocol of NCF (He et al., "Neural Collaborative Filtering", WWW 2017):
 * for every user, the interaction with the latest timestamp goes to test and the rest to train.
 * Users with fewer than `minInteractions` rows stay entirely in train. Ties on the latest
 * timestamp are broken uniformly at random with `seed`.
 *
 * @param user `[rows]` user id per row (any integers).
 * @param timestamp `[rows]` timestamp per row (finite numbers).
 * @param opts.seed breaks ties (default 0).
 * @param opts.minInteractions default 2; must be ≥ 1.
 */
export function leaveLastOut(
  user: Int32Array,
  timestamp: Float64Array,
  opts: { seed?: number; minInteractions?: number } = {},
): Split {
  const n = user.length;
  if (timestamp.length !== n) {
    throw new Error(`leaveLastOut: user has ${n} rows but timestamp has ${timestamp.length}`);
  }
  const minInteractions = opts.minInteractions ?? 2;
  if (!Number.isInteger(minInteractions) || minInteractions < 1) {
    throw new Error(`leaveLastOut: minInteractions must be an integer ≥ 1, got ${minInteractions}`);
  }
  const seed = opts.seed ?? 0;
  checkSeed(seed, 'leaveLastOut');
  const rng = new Rng(seed);
  const { index: users, codes: index } = IntIndex.build(user);
  const count = users.size;
  const best = new Int32Array(count).fill(-1);
  const bestTime = new Float64Array(count);
  const ties = new Int32Array(count);
  const seen = new Int32Array(count);
  for (let r = 0; r < n; r++) {
    const t = timestamp[r] as number;
    if (!Number.isFinite(t)) throw new Error(`leaveLastOut: timestamp of row ${r} is ${t}, expected a finite number`);
    const u = index[r] as number;
    seen[u] = (seen[u] as number) + 1;
    const b = best[u] as number;
    if (b < 0 || t > (bestTime[u] as number)) {
      best[u] = r;
      bestTime[u] = t;
      ties[u] = 1;
    } else if (t === bestTime[u]) {
      // Reservoir sampling over the tied rows: each is kept with probability 1/ties.
      const c = (ties[u] as number) + 1;
      ties[u] = c;
      if (rng.int(c) === 0) best[u] = r;
    }
  }
  const mask = new Uint8Array(n);
  for (let u = 0; u < count; u++) {
    if ((seen[u] as number) >= minInteractions) mask[best[u] as number] = 1;
  }
  return splitFromMask(mask);
}

/**
 * A global temporal split: every row with `timestamp >= cutoff` is test. With `testFraction`, the
 * cutoff is the timestamp of the row at position `n - round(n * testFraction)` in time order, so
 * the test share is at least that fraction (more when rows tie at the cutoff: ties are never split).
 *
 * @param timestamp `[rows]` finite timestamps.
 */
export function temporalSplit(timestamp: Float64Array, opts: { testFraction: number } | { cutoff: number }): Split {
  const n = timestamp.length;
  for (let r = 0; r < n; r++) {
    const t = timestamp[r] as number;
    if (!Number.isFinite(t)) throw new Error(`temporalSplit: timestamp of row ${r} is ${t}, expected a finite number`);
  }
  let cutoff: number;
  if ('cutoff' in opts) {
    if (typeof opts.cutoff !== 'number' || Number.isNaN(opts.cutoff)) {
      throw new Error(`temporalSplit: cutoff must be a number, got ${String(opts.cutoff)}`);
    }
    cutoff = opts.cutoff;
  } else if ('testFraction' in opts) {
    checkFraction(opts.testFraction, 'temporalSplit');
    const nTest = Math.round(n * opts.testFraction);
    if (nTest === 0) {
      cutoff = Infinity;
    } else {
      const sorted = Float64Array.from(timestamp).sort();
      cutoff = sorted[n - nTest] as number;
    }
  } else {
    throw new Error('temporalSplit: pass either { testFraction } or { cutoff }');
  }
  const mask = new Uint8Array(n);
  for (let r = 0; r < n; r++) mask[r] = (timestamp[r] as number) >= cutoff ? 1 : 0;
  return splitFromMask(mask);
}
