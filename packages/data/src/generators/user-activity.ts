import type { Rng } from '../rng.js';

/**
 * Per-user interaction counts with a floor and a heavy right tail, as in MovieLens (every user has
 * at least `min`, a few have hundreds): `count = min + round(min(X, items - min))` with
 * `X ~ Exponential(μ)`, μ solved so that the expected count equals `mean`.
 * @internal
 *
 * @param mean target average per user; `mean ≥ items` gives every user all items.
 * @param min floor per user, ≤ items.
 */
export function perUserCounts(rng: Rng, users: number, items: number, mean: number, min: number): Int32Array {
  const counts = new Int32Array(users);
  const cap = items - min;
  const target = mean - min;
  if (target >= cap) return counts.fill(items);
  if (target <= 0) return counts.fill(min);
  // E[min(X, cap)] = μ (1 - exp(-cap/μ)) is increasing in μ: bisect in log space.
  let lo = Math.log(target);
  let hi = Math.log(target) + 30;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    const mu = Math.exp(mid);
    if (mu * (1 - Math.exp(-cap / mu)) < target) lo = mid;
    else hi = mid;
  }
  const mu = Math.exp((lo + hi) / 2);
  for (let u = 0; u < users; u++) {
    let r = 0;
    while (r === 0) r = rng.next();
    counts[u] = min + Math.round(Math.min(cap, -Math.log(r) * mu));
  }
  return counts;
}

/** First timestamp of the synthetic logs: 1997-09-20, the start of MovieLens-100K. */
export const SYNTHETIC_EPOCH = 874_724_710;

/**
 * Strictly increasing integer timestamps (seconds) for `m` events of one user: a start within
 * about seven months of {@link SYNTHETIC_EPOCH}, then sessions (gaps of about two minutes) separated
 * by breaks of about five days.
 * @internal
 */
export function activityTimestamps(rng: Rng, m: number, out: Float64Array, at: number): void {
  let t = SYNTHETIC_EPOCH + Math.floor(rng.next() * 210 * 86_400);
  for (let j = 0; j < m; j++) {
    out[at + j] = t;
    const r = 1 - rng.next();
    const mean = rng.next() < 0.85 ? 120 : 5 * 86_400;
    t += 1 + Math.floor(-Math.log(r) * mean);
  }
}

/**
 * Picks `m` distinct indices of `0..weights.length-1` by weighted sampling without replacement
 * (successive sampling), into `out[at..at+m)`, in draw order. Rejection sampling from `draw` while
 * it is cheap, then Efraimidis–Spirakis keys over what is left ("Weighted random sampling with a
 * reservoir", IPL 2006). `marker` is a zeroed scratch array of the same length, left zeroed.
 * @internal
 */
export function weightedDistinct(
  rng: Rng,
  weights: Float64Array,
  draw: () => number,
  m: number,
  marker: Uint8Array,
  out: Int32Array,
  at: number,
): void {
  const n = weights.length;
  let k = 0;
  const maxAttempts = 30 * m + 100;
  for (let a = 0; a < maxAttempts && k < m; a++) {
    const i = draw();
    if (marker[i]) continue;
    marker[i] = 1;
    out[at + k++] = i;
  }
  if (k < m) {
    const rest: number[] = [];
    const keys: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (marker[i] || !(w > 0)) continue;
      rest.push(i);
      keys.push(-Math.log(1 - rng.next()) / w);
    }
    if (rest.length < m - k) throw new Error(`weightedDistinct: only ${k + rest.length} items have positive weight, ${m} asked`);
    const order = rest.map((_, j) => j).sort((a, b) => (keys[a] as number) - (keys[b] as number));
    for (let j = 0; k < m; j++) out[at + k++] = rest[order[j] as number] as number;
  }
  for (let j = 0; j < m; j++) marker[out[at + j] as number] = 0;
}

/** Zipf weights `rank^(-exponent)` over a seeded random ranking of `n` items. @internal */
export function zipfWeights(rng: Rng, n: number, exponent: number): Float64Array {
  const perm = rng.permutation(n);
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) w[perm[r] as number] = Math.pow(r + 1, -exponent);
  return w;
}
