import { AliasTable } from './alias-table.js';
import { groupByKey } from './group-by-key.js';
import { IntIndex } from './int-index.js';
import { Rng } from './rng.js';

/** Options of {@link NegativeSampler}. */
export interface NegativeSamplerOptions {
  /**
   * `uniform` (default): every unseen catalogue item is equally likely. `popularity`: item `i` is
   * drawn with weight `count_i ^ popularityExponent`, `count_i` being the number of distinct users
   * with a positive on it; items nobody interacted with then have weight 0 and are never drawn.
   */
  distribution?: 'uniform' | 'popularity';
  /** Exponent α on the counts for `popularity` (default 1; 0.75 as in word2vec, Mikolov et al. 2013). */
  popularityExponent?: number;
}

/** Below this share of unseen probability mass, a user's negatives come from its enumerated complement. */
const REJECTION_MIN_MASS = 0.25;

/** A user's unseen items with their cumulative weights, for users who have seen most of the catalogue. */
interface Complement {
  items: Int32Array;
  cumulative: Float64Array;
}

/** A 32-bit seed derived from a seed and a key, so that each user's stream is independent of the others. */
function seedFor(seed: number, key: number): number {
  let h = (Math.floor(seed) >>> 0) ^ Math.imul(key | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Draws negative items for implicit-feedback training and for sampled ranking evaluation: items a
 * user has never interacted with, uniformly or by popularity. Never returns a positive.
 *
 * Positives are stored per user as a sorted `Int32Array` of catalogue indices (CSR), so a lookup is
 * a binary search; draws use rejection sampling against that list while the user's unseen share of
 * the probability mass is large, and otherwise sample from the user's enumerated complement.
 * Popularity draws use an alias table (O(1) per draw). Memory is O(positives + catalogue): it
 * handles tens of millions of interactions.
 */
export class NegativeSampler {
  /** Item ids, `[numItems]`; internal item indices point into it. */
  readonly catalogue: Int32Array;
  readonly distribution: 'uniform' | 'popularity';
  private readonly items: IntIndex;
  private readonly users: IntIndex;
  /** CSR over user indices: positives of user `u` are `seen[seenOffsets[u] .. seenOffsets[u+1])`, sorted. */
  private readonly seenOffsets: Int32Array;
  private readonly seen: Int32Array;
  /** `[numItems]` sampling weight per catalogue index. */
  private readonly weights: Float64Array;
  /** Per user, the share of the total weight on items the user has not seen. */
  private readonly unseenMass: Float64Array;
  /** Items with positive weight. */
  private readonly eligible: number;
  private readonly alias: AliasTable;

  /**
   * @param positives every `(user, item)` pair the user has interacted with, in train AND test:
   *   none is ever sampled as a negative. Duplicates are fine.
   * @param catalogue all item ids, distinct; every positive item must be in it.
   */
  constructor(positives: { user: Int32Array; item: Int32Array }, catalogue: Int32Array, opts: NegativeSamplerOptions = {}) {
    const rows = positives.user.length;
    if (positives.item.length !== rows) {
      throw new Error(`NegativeSampler: positives.user has ${rows} rows but positives.item has ${positives.item.length}`);
    }
    if (catalogue.length === 0) throw new Error('NegativeSampler: the catalogue is empty');
    this.distribution = opts.distribution ?? 'uniform';
    if (this.distribution !== 'uniform' && this.distribution !== 'popularity') {
      throw new Error(`NegativeSampler: distribution "${String(this.distribution)}", expected uniform | popularity`);
    }
    const alpha = opts.popularityExponent ?? 1;
    if (!Number.isFinite(alpha) || alpha < 0) throw new Error(`NegativeSampler: popularityExponent must be a finite number ≥ 0, got ${alpha}`);

    const { index: items } = IntIndex.build(catalogue);
    if (items.size !== catalogue.length) {
      const seenIds = new Set<number>();
      for (let i = 0; i < catalogue.length; i++) {
        const id = catalogue[i] as number;
        if (seenIds.has(id)) throw new Error(`NegativeSampler: catalogue has item id ${id} twice (again at position ${i})`);
        seenIds.add(id);
      }
    }
    this.items = items;
    this.catalogue = items.keys;
    const numItems = catalogue.length;

    const { index: users, codes: userCodes } = IntIndex.build(positives.user);
    this.users = users;
    const numUsers = users.size;
    const itemCodes = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const it = items.get(positives.item[r] as number);
      if (it < 0) {
        throw new Error(`NegativeSampler: positive row ${r} has item ${positives.item[r]}, which is not in the catalogue of ${numItems} items`);
      }
      itemCodes[r] = it;
    }
    // each user's items, grouped by user
    const { start: counts, order } = groupByKey(userCodes, numUsers);
    const raw = Int32Array.from(order, (r) => itemCodes[r] as number);
    // Sort and de-duplicate each user's list, compacting in place.
    const offsets = new Int32Array(numUsers + 1);
    let w = 0;
    for (let u = 0; u < numUsers; u++) {
      const seg = raw.subarray(counts[u], counts[u + 1]).sort();
      const start = w;
      for (let j = 0; j < seg.length; j++) {
        const v = seg[j] as number;
        if (w === start || raw[w - 1] !== v) raw[w++] = v;
      }
      offsets[u + 1] = w;
    }
    this.seenOffsets = offsets;
    this.seen = raw.slice(0, w);

    this.weights = new Float64Array(numItems);
    if (this.distribution === 'uniform') {
      this.weights.fill(1);
    } else {
      const pop = new Float64Array(numItems);
      for (let j = 0; j < this.seen.length; j++) {
        const it = this.seen[j] as number;
        pop[it] = (pop[it] as number) + 1;
      }
      for (let i = 0; i < numItems; i++) {
        const c = pop[i] as number;
        this.weights[i] = c > 0 ? Math.pow(c, alpha) : 0;
      }
    }
    let eligible = 0;
    let total = 0;
    for (let i = 0; i < numItems; i++) {
      if ((this.weights[i] as number) > 0) eligible++;
      total += this.weights[i] as number;
    }
    if (eligible === 0) throw new Error('NegativeSampler: distribution "popularity" needs at least one positive');
    this.eligible = eligible;
    this.alias = new AliasTable(this.weights);
    this.unseenMass = new Float64Array(numUsers);
    for (let u = 0; u < numUsers; u++) {
      let m = 0;
      for (let j = offsets[u] as number; j < (offsets[u + 1] as number); j++) m += this.weights[this.seen[j] as number] as number;
      this.unseenMass[u] = Math.max(0, 1 - m / total);
    }
  }

  /** Number of catalogue items. */
  get numItems(): number {
    return this.catalogue.length;
  }

  /** Number of users with at least one positive. */
  get numUsers(): number {
    return this.users.size;
  }

  /** True when `(user, item)` is among the positives. */
  isPositive(user: number, item: number): boolean {
    const u = this.users.get(user);
    if (u < 0) return false;
    const i = this.items.get(item);
    if (i < 0) return false;
    return this.seenContains(u, i);
  }

  /** Number of distinct items the user has a positive on. */
  seenCount(user: number): number {
    const u = this.users.get(user);
    return u < 0 ? 0 : (this.seenOffsets[u + 1] as number) - (this.seenOffsets[u] as number);
  }

  /** Number of items that can be drawn as negatives for `user` (unseen, with positive weight). */
  unseenCount(user: number): number {
    return this.eligible - this.seenCount(user);
  }

  /**
   * `n` negatives per row for training (drawn with replacement, each never a positive of its user).
   * Deterministic for a seed.
   *
   * @param user `[rows]` user id of each positive row.
   * @returns parallel arrays of length `rows * n`; entries `r*n .. r*n+n-1` belong to row `r`.
   */
  sampleForTraining(user: Int32Array, n: number, seed: number): { user: Int32Array; item: Int32Array } {
    if (!Number.isInteger(n) || n < 1) throw new Error(`NegativeSampler.sampleForTraining: n must be an integer ≥ 1, got ${n}`);
    const rng = new Rng(seed);
    const rows = user.length;
    const outUser = new Int32Array(rows * n);
    const outItem = new Int32Array(rows * n);
    const complements = new Map<number, Complement>();
    for (let r = 0; r < rows; r++) {
      const id = user[r] as number;
      const u = this.users.get(id);
      if (u >= 0 && this.unseenCount(id) === 0) {
        throw new Error(`NegativeSampler.sampleForTraining: user ${id} (row ${r}) has a positive on every item that can be drawn; no negative exists`);
      }
      const o = r * n;
      if (u < 0 || (this.unseenMass[u] as number) >= REJECTION_MIN_MASS) {
        for (let j = 0; j < n; j++) {
          let it: number;
          do it = this.alias.sample(rng);
          while (u >= 0 && this.seenContains(u, it));
          outUser[o + j] = id;
          outItem[o + j] = this.catalogue[it] as number;
        }
      } else {
        let c = complements.get(u);
        if (!c) complements.set(u, (c = this.complement(u)));
        const total = c.cumulative[c.cumulative.length - 1] as number;
        for (let j = 0; j < n; j++) {
          outUser[o + j] = id;
          outItem[o + j] = this.catalogue[c.items[upperBound(c.cumulative, rng.next() * total)] as number] as number;
        }
      }
    }
    return { user: outUser, item: outItem };
  }

  /**
   * `n` distinct negatives for each user, for sampled ranking evaluation (n = 99 in the NCF
   * protocol, He et al., "Neural Collaborative Filtering", WWW 2017). Under `popularity` the draw is
   * weighted sampling without replacement. Each user's draw depends only on `(seed, user)`, not on
   * the other users listed. Throws when a user has fewer than `n` unseen items.
   *
   * @param users user ids (duplicates are answered once).
   * @returns user id → `[n]` item ids, sorted ascending.
   */
  sampleForEvaluation(users: Int32Array, n: number, seed: number): Map<number, Int32Array> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`NegativeSampler.sampleForEvaluation: n must be an integer ≥ 1, got ${n}`);
    if (!Number.isFinite(seed)) throw new Error(`NegativeSampler.sampleForEvaluation: seed must be a finite number, got ${seed}`);
    const out = new Map<number, Int32Array>();
    for (let k = 0; k < users.length; k++) {
      const id = users[k] as number;
      if (out.has(id)) continue;
      const available = this.unseenCount(id);
      if (available < n) {
        throw new Error(
          `NegativeSampler.sampleForEvaluation: user ${id} has only ${available} unseen items that can be drawn, fewer than the ${n} negatives asked for`,
        );
      }
      const u = this.users.get(id);
      const rng = new Rng(seedFor(seed, id));
      const picked = this.distinctByRejection(u, available, n, rng) ?? this.distinctFromComplement(u, n, rng);
      out.set(id, picked.map((i) => this.catalogue[i] as number).sort());
    }
    return out;
  }

  /** Distinct draws by rejection; undefined when it takes too many attempts (dense users, heavy skew). */
  private distinctByRejection(u: number, available: number, n: number, rng: Rng): Int32Array | undefined {
    const mass = u < 0 ? 1 : (this.unseenMass[u] as number);
    if (mass < 0.5 || available < 4 * n) return undefined;
    const chosen = new Set<number>();
    const picked = new Int32Array(n);
    const maxAttempts = 50 * n + 100;
    let m = 0;
    for (let a = 0; a < maxAttempts && m < n; a++) {
      const it = this.alias.sample(rng);
      if (chosen.has(it) || (u >= 0 && this.seenContains(u, it))) continue;
      chosen.add(it);
      picked[m++] = it;
    }
    return m === n ? picked : undefined;
  }

  /**
   * Distinct draws from the enumerated complement: a partial Fisher-Yates shuffle (uniform), or
   * Efraimidis–Spirakis keys `-ln(U)/w`, keeping the n smallest (weighted, without replacement;
   * "Weighted random sampling with a reservoir", IPL 2006).
   */
  private distinctFromComplement(u: number, n: number, rng: Rng): Int32Array {
    const c = this.complement(u);
    const m = c.items.length;
    if (this.distribution === 'uniform') {
      const pool = c.items.slice();
      for (let j = 0; j < n; j++) {
        const k = j + rng.int(m - j);
        const t = pool[j] as number;
        pool[j] = pool[k] as number;
        pool[k] = t;
      }
      return pool.slice(0, n);
    }
    const keys = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let r = 0;
      while (r === 0) r = rng.next();
      keys[j] = -Math.log(r) / (this.weights[c.items[j] as number] as number);
    }
    const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => (keys[a] as number) - (keys[b] as number));
    const picked = new Int32Array(n);
    for (let j = 0; j < n; j++) picked[j] = c.items[order[j] as number] as number;
    return picked;
  }

  /** The items user index `u` (or -1: none) has not seen and that have positive weight. */
  private complement(u: number): Complement {
    const numItems = this.catalogue.length;
    const a = u < 0 ? 0 : (this.seenOffsets[u] as number);
    const b = u < 0 ? 0 : (this.seenOffsets[u + 1] as number);
    const items = new Int32Array(numItems - (b - a));
    let m = 0;
    let p = a;
    for (let i = 0; i < numItems; i++) {
      if (p < b && this.seen[p] === i) {
        p++;
        continue;
      }
      if ((this.weights[i] as number) > 0) items[m++] = i;
    }
    const kept = items.slice(0, m);
    const cumulative = new Float64Array(m);
    let s = 0;
    for (let j = 0; j < m; j++) cumulative[j] = s += this.weights[kept[j] as number] as number;
    return { items: kept, cumulative };
  }

  private seenContains(u: number, item: number): boolean {
    let lo = this.seenOffsets[u] as number;
    let hi = (this.seenOffsets[u + 1] as number) - 1;
    const s = this.seen;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = s[mid] as number;
      if (v === item) return true;
      if (v < item) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** First index j with `cumulative[j] > x` (clamped to the last index). */
function upperBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
