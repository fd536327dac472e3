import type { Rng } from './rng.js';

/**
 * Walker's alias method (Vose's construction) for O(1) draws from a fixed discrete distribution
 * over `0..n-1` with non-negative weights (Walker, "An efficient method for generating discrete
 * random variables with general distributions", ACM TOMS 1977).
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  /** Sum of the weights. */
  readonly total: number;

  /** @param weights `[n]` non-negative finite weights, at least one positive. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`AliasTable: weight ${i} is ${w}, expected a finite number ≥ 0`);
      total += w;
    }
    if (!(total > 0)) throw new Error(`AliasTable: the ${n} weights sum to ${total}, expected a positive total`);
    this.total = total;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      const s = ((weights[i] as number) * n) / total;
      scaled[i] = s;
      if (s < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns] as number;
      const l = large[nl - 1] as number;
      this.prob[s] = scaled[s] as number;
      this.alias[s] = l;
      const rest = (scaled[l] as number) + (scaled[s] as number) - 1;
      scaled[l] = rest;
      if (rest < 1) {
        nl--;
        small[ns++] = l;
      }
    }
    // Leftovers are 1 up to rounding.
    while (nl > 0) {
      const l = large[--nl] as number;
      this.prob[l] = 1;
      this.alias[l] = l;
    }
    let positive = 0;
    while ((weights[positive] as number) === 0) positive++;
    while (ns > 0) {
      const s = small[--ns] as number;
      this.prob[s] = (weights[s] as number) > 0 ? 1 : 0;
      this.alias[s] = positive;
    }
  }

  /** Number of outcomes n. */
  get size(): number {
    return this.prob.length;
  }

  /** One draw in `[0, n)`, with probability `weights[i] / total`. */
  sample(rng: Rng): number {
    const i = rng.int(this.prob.length);
    return rng.next() < (this.prob[i] as number) ? i : (this.alias[i] as number);
  }
}
