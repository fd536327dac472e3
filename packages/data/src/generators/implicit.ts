import type { Interactions, ItemInfo } from '../interactions.js';
import { Rng } from '../rng.js';
import { syntheticItems } from './synthetic-items.js';
import { activityTimestamps, perUserCounts, zipfWeights } from './user-activity.js';

/** The planted choice model behind {@link generateImplicit}. */
export interface PlantedImplicitModel {
  /** `[numItems]` log popularity of item `i + 1` (`-exponent · ln(popularity rank)`). */
  itemLogPopularity: Float64Array;
  /** `[numUsers * rank]` user factors, row-major (index `u - 1`). */
  userFactors: Float32Array;
  /** `[numItems * rank]` item factors, row-major (index `i - 1`). */
  itemFactors: Float32Array;
  /** Weight β of the affinity term. */
  affinity: number;
}

/** Options of {@link generateImplicit}. */
export interface GenerateImplicitOptions {
  /** Number of users, ids 1..users (default 943). */
  users?: number;
  /** Number of items, ids 1..items (default 1682). */
  items?: number;
  /** Mean number of distinct items per user (default 106, as MovieLens-100K). */
  interactionsPerUser?: number;
  /** Floor on items per user (default 5, capped at `items`). */
  minPerUser?: number;
  /** Item popularity ∝ rank^(-exponent) over a random ranking (default 1, Zipf). */
  popularityExponent?: number;
  /** Rank of the planted factors (default 8). */
  rank?: number;
  /** Weight β of the user–item affinity against popularity (default 1.5; 0 gives pure popularity). */
  affinity?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** Output of {@link generateImplicit}. */
export interface SyntheticImplicit {
  /** Events (rating = 1), grouped by user (ids 1..U), in time order within a user; items 1..I. */
  interactions: Interactions;
  items: Map<number, ItemInfo>;
  planted: PlantedImplicitModel;
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`generateImplicit: ${name} must be an integer ≥ 1, got ${v}`);
  return v;
}

/** Indices of the m largest keys, by a size-m min-heap (O(n log m)). */
function topM(keys: Float64Array, m: number, out: Int32Array, at: number): void {
  const heap = out.subarray(at, at + m);
  let size = 0;
  const less = (a: number, b: number): boolean => (keys[a] as number) < (keys[b] as number);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < size && less(heap[l] as number, heap[s] as number)) s = l;
      if (r < size && less(heap[r] as number, heap[s] as number)) s = r;
      if (s === i) return;
      const t = heap[i] as number;
      heap[i] = heap[s] as number;
      heap[s] = t;
      i = s;
    }
  };
  for (let j = 0; j < keys.length; j++) {
    if (size < m) {
      let i = size++;
      heap[i] = j;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i] as number, heap[p] as number)) break;
        const t = heap[i] as number;
        heap[i] = heap[p] as number;
        heap[p] = t;
        i = p;
      }
    } else if ((keys[j] as number) > (keys[heap[0] as number] as number)) {
      heap[0] = j;
      down(0);
    }
  }
}

/**
 * Synthetic implicit feedback (every row an event, rating 1). User `u` picks its items without
 * replacement with probability ∝ `popularity_i · exp(β·<p_u, q_i>)`, a power-law popularity times a
 * planted affinity (`<p_u, q_i>` of unit variance), so a personalised model can beat popularity.
 * Drawn exactly by Gumbel-top-k (the m largest of `log w + Gumbel` are a weighted sample without
 * replacement). Item counts per user have a floor and a heavy tail; timestamps increase within a
 * user, in a random order of the chosen items. Deterministic for a seed.
 */
export function generateImplicit(opts: GenerateImplicitOptions = {}): SyntheticImplicit {
  const U = positiveInt(opts.users ?? 943, 'users');
  const I = positiveInt(opts.items ?? 1682, 'items');
  const rank = positiveInt(opts.rank ?? 8, 'rank');
  const perUser = opts.interactionsPerUser ?? 106;
  if (!(perUser > 0) || perUser > I) throw new Error(`generateImplicit: interactionsPerUser must be in (0, items = ${I}], got ${perUser}`);
  const minPerUser = Math.min(I, opts.minPerUser ?? 5, Math.max(1, Math.floor(perUser)));
  if (!Number.isInteger(minPerUser) || minPerUser < 1) throw new Error(`generateImplicit: minPerUser must be an integer ≥ 1, got ${opts.minPerUser}`);
  const exponent = opts.popularityExponent ?? 1;
  if (!(exponent >= 0) || !Number.isFinite(exponent)) throw new Error(`generateImplicit: popularityExponent must be a finite number ≥ 0, got ${exponent}`);
  const beta = opts.affinity ?? 1.5;
  if (!Number.isFinite(beta)) throw new Error(`generateImplicit: affinity must be finite, got ${beta}`);
  const rng = new Rng(opts.seed ?? 0);

  const sd = Math.pow(1 / rank, 0.25); // <p, q> has unit variance
  const userFactors = Float32Array.from({ length: U * rank }, () => sd * rng.normal());
  const itemFactors = Float32Array.from({ length: I * rank }, () => sd * rng.normal());
  const pop = zipfWeights(rng, I, exponent);
  const logPop = pop.map(Math.log);
  const items = syntheticItems(rng, I, itemFactors, rank);

  const counts = perUserCounts(rng, U, I, perUser, minPerUser);
  let n = 0;
  for (let u = 0; u < U; u++) n += counts[u] as number;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const timestamp = new Float64Array(n);
  const keys = new Float64Array(I);
  let at = 0;
  for (let u = 0; u < U; u++) {
    const m = counts[u] as number;
    for (let i = 0; i < I; i++) {
      let dot = 0;
      for (let k = 0; k < rank; k++) dot += (userFactors[u * rank + k] as number) * (itemFactors[i * rank + k] as number);
      let r = 0;
      while (r === 0) r = rng.next();
      keys[i] = (logPop[i] as number) + beta * dot - Math.log(-Math.log(r)); // + Gumbel(0, 1)
    }
    topM(keys, m, item, at);
    const chosen = item.subarray(at, at + m);
    rng.shuffle(chosen);
    for (let j = 0; j < m; j++) chosen[j] = (chosen[j] as number) + 1;
    user.fill(u + 1, at, at + m);
    activityTimestamps(rng, m, timestamp, at);
    at += m;
  }
  return {
    interactions: { user, item, rating: new Float32Array(n).fill(1), timestamp, length: n },
    items,
    planted: { itemLogPopularity: logPop, userFactors, itemFactors, affinity: beta },
  };
}
