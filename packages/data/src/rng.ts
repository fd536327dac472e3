/**
 * A small, fast, seeded pseudo-random generator (mulberry32 for 32-bit state, with a
 * splitmix-style seed scramble). Deterministic across platforms: the same seed gives the same
 * stream everywhere, which is what splits, shuffles, samplers and generators rely on.
 */
export class Rng {
  private state: number;

  /** @param seed any finite number; it is scrambled, so nearby seeds give unrelated streams. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (s ^ (s >>> 16)) >>> 0;
  }

  /**
   * The generator's whole state, a 32-bit unsigned integer: save it in a checkpoint and continue
   * the very same stream later with {@link Rng.fromState}.
   */
  getState(): number {
    return this.state;
  }

  /** A generator that continues the stream whose {@link getState} was `state`. */
  static fromState(state: number): Rng {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new Error(`Rng.fromState: state must be an unsigned 32-bit integer, got ${state}`);
    }
    const rng = new Rng(0);
    rng.state = state;
    return rng;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A permutation of 0..n-1 as an Int32Array. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
