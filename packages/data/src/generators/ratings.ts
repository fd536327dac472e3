import { AliasTable } from '../alias-table.js';
import type { Interactions, ItemInfo } from '../interactions.js';
import { normalCdf } from '../normal-cdf.js';
import { Rng } from '../rng.js';
import { syntheticItems } from './synthetic-items.js';
import { activityTimestamps, perUserCounts, weightedDistinct, zipfWeights } from './user-activity.js';

/** The planted biased matrix-factorisation model behind {@link generateRatings}. */
export interface PlantedRatingModel {
  /** The planted global mean (3.5), before noise, clipping and rounding. */
  mean: number;
  /** `[numUsers]` user biases; index `u - 1` for raw user id `u`. */
  userBias: Float32Array;
  /** `[numItems]` item biases; index `i - 1` for raw item id `i`. */
  itemBias: Float32Array;
  /** `[numUsers * rank]` user factors, row-major. */
  userFactors: Float32Array;
  /** `[numItems * rank]` item factors, row-major. */
  itemFactors: Float32Array;
}

/** Output of {@link generateRatings}. */
export interface SyntheticRatings {
  /** Ratings, grouped by user (ids 1..numUsers) and in time order within a user; items are 1..numItems. */
  interactions: Interactions;
  /** Item id → synthetic title, year and genres. */
  items: Map<number, ItemInfo>;
  numUsers: number;
  numItems: number;
  rank: number;
  /** Standard deviation of the Gaussian noise ε. */
  noise: number;
  /**
   * RMSE, on the generated set, of the best possible predictor: the expected label given the
   * planted noise-free score s, i.e. s itself without rounding, and
   * {@link expectedRoundedRating}(s, noise) with rounding. No model can do better in expectation.
   */
  bestRmse: number;
  /** RMSE of the raw noise-free score s against the labels (equals `bestRmse` without rounding). */
  scoreRmse: number;
  /** Mean of the generated labels. */
  globalMean: number;
  planted: PlantedRatingModel;
}

/** Options of {@link generateRatings}. */
export interface GenerateRatingsOptions {
  /** Number of users, ids 1..users (default 943, as MovieLens-100K). */
  users?: number;
  /** Number of items, ids 1..items (default 1682). */
  items?: number;
  /** Share of (user, item) pairs rated, in (0, 1] (default 0.063); 1 rates every pair. */
  density?: number;
  /** Rank of the planted factors (default 8). */
  rank?: number;
  /** Standard deviation of the label noise (default 0.6). */
  noise?: number;
  /** Clip to [1, 5] and round to integers, as star ratings (default true). */
  round?: boolean;
  /** Seed (default 0). */
  seed?: number;
  /** Item popularity follows rank^(-exponent) over a random ranking (default 1, Zipf). */
  itemPopularityExponent?: number;
  /** Floor on ratings per user (default 20 as MovieLens-100K, capped at `items`). */
  minPerUser?: number;
}

/**
 * E[y | s] for the star rating `y = clip(round(s + ε), 1, 5)`, `ε ~ N(0, noise²)`: the best
 * predictor under squared loss of a rounded planted rating.
 * `Σ_{k=1..5} k·P(y = k)`, with `P(y ≤ k) = Φ((k + 0.5 - s) / noise)` for k < 5.
 */
export function expectedRoundedRating(score: number, noise: number): number {
  if (noise === 0) return Math.min(5, Math.max(1, Math.round(score)));
  // E[y] = 1 + Σ_{k=1..4} P(y > k).
  let e = 1;
  for (let k = 1; k <= 4; k++) e += 1 - normalCdf((k + 0.5 - score) / noise);
  return e;
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`generateRatings: ${name} must be an integer ≥ 1, got ${v}`);
  return v;
}

/**
 * Synthetic explicit ratings from a planted biased matrix-factorisation model (Koren, Bell and
 * Volinsky, "Matrix Factorization Techniques for Recommender Systems", IEEE Computer 2009):
 * `rating = 3.5 + b_u + b_i + <p_u, q_i> + ε`, with `b_u ~ N(0, 0.4²)`, `b_i ~ N(0, 0.5²)`,
 * `<p_u, q_i>` of standard deviation 0.6 and `ε ~ N(0, noise²)`; with `round`, clipped to [1, 5] and
 * rounded (mean ≈ 3.5, std ≈ 1.1, like MovieLens).
 *
 * Shape: users 1..U and items 1..I (1-based raw ids, MovieLens style), each user rates at least
 * `minPerUser` distinct items with a heavy-tailed count, about `density·U·I` ratings in all; which
 * items a user rates follows a power-law item popularity; timestamps increase within each user.
 * `generateRatings({ users: 100, items: 50, density: 1, round: false })` gives the fully rated
 * 100 × 50 continuous table of the PyTorch FFM notebook. Deterministic for a seed.
 */
export function generateRatings(opts: GenerateRatingsOptions = {}): SyntheticRatings {
  const U = positiveInt(opts.users ?? 943, 'users');
  const I = positiveInt(opts.items ?? 1682, 'items');
  const rank = positiveInt(opts.rank ?? 8, 'rank');
  const density = opts.density ?? 0.063;
  if (!(density > 0 && density <= 1)) throw new Error(`generateRatings: density must be in (0, 1], got ${density}`);
  const noise = opts.noise ?? 0.6;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`generateRatings: noise must be a finite number ≥ 0, got ${noise}`);
  const round = opts.round ?? true;
  const exponent = opts.itemPopularityExponent ?? 1;
  if (!(exponent >= 0) || !Number.isFinite(exponent)) {
    throw new Error(`generateRatings: itemPopularityExponent must be a finite number ≥ 0, got ${exponent}`);
  }
  const minPerUser = Math.min(I, opts.minPerUser ?? 20);
  if (!Number.isInteger(minPerUser) || minPerUser < 1) throw new Error(`generateRatings: minPerUser must be an integer ≥ 1, got ${opts.minPerUser}`);
  const meanPerUser = density * I;
  if (meanPerUser < minPerUser) {
    throw new Error(
      `generateRatings: density ${density} gives ${meanPerUser.toFixed(1)} ratings per user on average, below the per-user minimum of ${minPerUser}; raise density or lower minPerUser`,
    );
  }
  const rng = new Rng(opts.seed ?? 0);

  // Planted model.
  const mean = 3.5;
  const factorSd = Math.pow(0.36 / rank, 0.25); // <p, q> has variance rank·sd⁴ = 0.6²
  const userBias = Float32Array.from({ length: U }, () => 0.4 * rng.normal());
  const itemBias = Float32Array.from({ length: I }, () => 0.5 * rng.normal());
  const userFactors = Float32Array.from({ length: U * rank }, () => factorSd * rng.normal());
  const itemFactors = Float32Array.from({ length: I * rank }, () => factorSd * rng.normal());
  const items = syntheticItems(rng, I, itemFactors, rank);

  // Who rates what, and when.
  const counts = perUserCounts(rng, U, I, meanPerUser, minPerUser);
  let n = 0;
  for (let u = 0; u < U; u++) n += counts[u] as number;
  const itemIdx = new Int32Array(n);
  const timestamp = new Float64Array(n);
  const user = new Int32Array(n);
  const popularity = zipfWeights(rng, I, exponent);
  const alias = new AliasTable(popularity);
  const marker = new Uint8Array(I);
  const draw = (): number => alias.sample(rng);
  let at = 0;
  for (let u = 0; u < U; u++) {
    const m = counts[u] as number;
    if (m === I) for (let j = 0; j < I; j++) itemIdx[at + j] = j;
    else weightedDistinct(rng, popularity, draw, m, marker, itemIdx, at);
    rng.shuffle(itemIdx.subarray(at, at + m));
    activityTimestamps(rng, m, timestamp, at);
    user.fill(u + 1, at, at + m);
    at += m;
  }

  // Labels and the best achievable RMSE.
  const rating = new Float32Array(n);
  const item = new Int32Array(n);
  let sumBest = 0;
  let sumScore = 0;
  let sumY = 0;
  for (let r = 0; r < n; r++) {
    const u = (user[r] as number) - 1;
    const i = itemIdx[r] as number;
    let s = mean + (userBias[u] as number) + (itemBias[i] as number);
    for (let k = 0; k < rank; k++) s += (userFactors[u * rank + k] as number) * (itemFactors[i * rank + k] as number);
    let y = s + noise * rng.normal();
    if (round) y = Math.min(5, Math.max(1, Math.round(y)));
    rating[r] = y;
    item[r] = i + 1;
    const yf = rating[r] as number;
    const best = round ? expectedRoundedRating(s, noise) : s;
    sumBest += (best - yf) ** 2;
    sumScore += (s - yf) ** 2;
    sumY += yf;
  }
  return {
    interactions: { user, item, rating, timestamp, length: n },
    items,
    numUsers: U,
    numItems: I,
    rank,
    noise,
    bestRmse: Math.sqrt(sumBest / n),
    scoreRmse: Math.sqrt(sumScore / n),
    globalMean: sumY / n,
    planted: { mean, userBias, itemBias, userFactors, itemFactors },
  };
}
