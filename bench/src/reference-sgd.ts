/**
 * The yardstick of the training benchmark: plain TypeScript per-example SGD for FM (Rendle 2010,
 * eq. 5 and the SGD of libFM, Rendle 2012) and FFM (Juan et al. 2016), written straightforwardly as
 * a competent person would: Float32Array tables, one example at a time, the O(k·nnz) FM identity,
 * parameters updated in place right after each example. No batching, no threads, no tricks.
 */
import type { SparseDataset } from '@fm/data';
import { Rng } from '@fm/data';

/** Hyper-parameters of the reference. */
export interface ReferenceSgdOptions {
  task: 'regression' | 'binary';
  learningRate: number;
  /** L2 on the weights of the features present in the example (libFM's regularised SGD). */
  l2: number;
}

/** Per-example SGD factorization machine over `n` features with k factors. */
export class ReferenceSgdFm {
  bias = 0;
  readonly linear: Float32Array;
  readonly factors: Float32Array;
  private readonly sum: Float64Array;

  constructor(
    readonly n: number,
    readonly k: number,
    initStd: number,
    seed: number,
  ) {
    this.linear = new Float32Array(n);
    this.factors = new Float32Array(n * k);
    const rng = new Rng(seed);
    for (let i = 0; i < this.factors.length; i++) this.factors[i] = rng.normal() * initStd;
    this.sum = new Float64Array(k);
  }

  /** Raw score of CSR entries [a, b) of `d`; leaves the per-factor sums in `this.sum`. */
  score(d: SparseDataset, a: number, b: number): number {
    const { k, linear, factors, sum } = this;
    sum.fill(0);
    let y = this.bias;
    let sq = 0;
    for (let j = a; j < b; j++) {
      const i = d.ids[j]!;
      const x = d.values[j]!;
      y += linear[i]! * x;
      for (let f = 0; f < k; f++) {
        const vx = factors[i * k + f]! * x;
        sum[f] = sum[f]! + vx;
        sq += vx * vx;
      }
    }
    let s2 = 0;
    for (let f = 0; f < k; f++) s2 += sum[f]! * sum[f]!;
    return y + 0.5 * (s2 - sq);
  }

  /** One epoch over `order`; returns the mean training loss (squared error or log loss). */
  trainEpoch(d: SparseDataset, order: Int32Array, o: ReferenceSgdOptions): number {
    const { k, linear, factors, sum } = this;
    const lr = o.learningRate;
    const reg = o.l2;
    let total = 0;
    for (let t = 0; t < order.length; t++) {
      const r = order[t]!;
      const a = d.offsets[r]!;
      const b = d.offsets[r + 1]!;
      const p = this.score(d, a, b);
      const y = d.labels[r]!;
      let g: number;
      if (o.task === 'binary') {
        const s = 1 / (1 + Math.exp(-p));
        g = s - y;
        total -= y * Math.log(Math.max(s, 1e-15)) + (1 - y) * Math.log(Math.max(1 - s, 1e-15));
      } else {
        g = p - y;
        total += g * g;
      }
      this.bias -= lr * g;
      for (let j = a; j < b; j++) {
        const i = d.ids[j]!;
        const x = d.values[j]!;
        linear[i] = linear[i]! - lr * (g * x + reg * linear[i]!);
        for (let f = 0; f < k; f++) {
          const v = factors[i * k + f]!;
          factors[i * k + f] = v - lr * (g * x * (sum[f]! - v * x) + reg * v);
        }
      }
    }
    return total / order.length;
  }

  /** Mean squared error or log loss on all rows of `d`. */
  evaluate(d: SparseDataset, task: 'regression' | 'binary'): number {
    return meanLoss(d, task, (a, b) => this.score(d, a, b));
  }
}

/** Per-example SGD field-aware FM: v is `[n * F * k]`, row i block f = v_{i,f}. */
export class ReferenceSgdFfm {
  bias = 0;
  readonly linear: Float32Array;
  readonly factors: Float32Array;

  constructor(
    readonly n: number,
    readonly numFields: number,
    readonly k: number,
    private readonly fieldOf: Int32Array,
    initStd: number,
    seed: number,
  ) {
    this.linear = new Float32Array(n);
    this.factors = new Float32Array(n * numFields * k);
    const rng = new Rng(seed);
    for (let i = 0; i < this.factors.length; i++) this.factors[i] = rng.normal() * initStd;
  }

  score(d: SparseDataset, a: number, b: number): number {
    const { k, numFields: F, factors, fieldOf } = this;
    let y = this.bias;
    for (let j = a; j < b; j++) {
      const i1 = d.ids[j]!;
      y += this.linear[i1]! * d.values[j]!;
      for (let l = j + 1; l < b; l++) {
        const i2 = d.ids[l]!;
        const o1 = (i1 * F + fieldOf[i2]!) * k;
        const o2 = (i2 * F + fieldOf[i1]!) * k;
        let dot = 0;
        for (let f = 0; f < k; f++) dot += factors[o1 + f]! * factors[o2 + f]!;
        y += dot * d.values[j]! * d.values[l]!;
      }
    }
    return y;
  }

  trainEpoch(d: SparseDataset, order: Int32Array, o: ReferenceSgdOptions): number {
    const { k, numFields: F, factors, fieldOf, linear } = this;
    const lr = o.learningRate;
    const reg = o.l2;
    let total = 0;
    for (let t = 0; t < order.length; t++) {
      const r = order[t]!;
      const a = d.offsets[r]!;
      const b = d.offsets[r + 1]!;
      const p = this.score(d, a, b);
      const y = d.labels[r]!;
      let g: number;
      if (o.task === 'binary') {
        const s = 1 / (1 + Math.exp(-p));
        g = s - y;
        total -= y * Math.log(Math.max(s, 1e-15)) + (1 - y) * Math.log(Math.max(1 - s, 1e-15));
      } else {
        g = p - y;
        total += g * g;
      }
      this.bias -= lr * g;
      for (let j = a; j < b; j++) {
        const i = d.ids[j]!;
        linear[i] = linear[i]! - lr * (g * d.values[j]! + reg * linear[i]!);
      }
      // Pairwise updates; each pair's gradient uses the factors as they are at that moment.
      for (let j = a; j < b; j++) {
        const i1 = d.ids[j]!;
        for (let l = j + 1; l < b; l++) {
          const i2 = d.ids[l]!;
          const c = g * d.values[j]! * d.values[l]!;
          const o1 = (i1 * F + fieldOf[i2]!) * k;
          const o2 = (i2 * F + fieldOf[i1]!) * k;
          for (let f = 0; f < k; f++) {
            const v1 = factors[o1 + f]!;
            const v2 = factors[o2 + f]!;
            factors[o1 + f] = v1 - lr * (c * v2 + reg * v1);
            factors[o2 + f] = v2 - lr * (c * v1 + reg * v2);
          }
        }
      }
    }
    return total / order.length;
  }

  evaluate(d: SparseDataset, task: 'regression' | 'binary'): number {
    return meanLoss(d, task, (a, b) => this.score(d, a, b));
  }
}

/** Mean squared error or log loss of a scorer over all rows of `d`. */
export function meanLoss(d: SparseDataset, task: 'regression' | 'binary', score: (a: number, b: number) => number): number {
  let total = 0;
  for (let r = 0; r < d.numRows; r++) {
    const p = score(d.offsets[r]!, d.offsets[r + 1]!);
    const y = d.labels[r]!;
    if (task === 'binary') {
      const s = 1 / (1 + Math.exp(-p));
      total -= y * Math.log(Math.max(s, 1e-15)) + (1 - y) * Math.log(Math.max(1 - s, 1e-15));
    } else {
      total += (p - y) * (p - y);
    }
  }
  return total / d.numRows;
}
