// Dense references for one training step: the objective by its definition (brute-force scores, L2 per
// use), its gradient by central finite differences, and the optimizers' formulas on every unit used.
import type { SparseDataset } from '@fm/data';
import type { NativeParams } from '../types.js';
import { bruteScore } from './brute-force.js';

/** A scored row: explicit (id, value) entries. */
export type Row = [number, number][];

/** What one batch scores: pointwise rows with labels, or BPR pairs (positive row, negative row). */
export type BatchSpec =
  | { task: 'regression' | 'binary'; rows: { row: Row; y: number }[] }
  | { task: 'ranking'; pairs: { pos: Row; neg: Row }[] };

/** The rows of `d` at `order`, with `negatives[t·n + q]` replacing the item at `itemSlot[r]` (labels 1, negatives 0). */
export function batchOf(
  d: SparseDataset,
  order: number[],
  task: 'regression' | 'binary' | 'ranking',
  neg?: { perRow: number; itemSlot: Int32Array; items: Int32Array },
): BatchSpec {
  const rowOf = (r: number): Row => Array.from(d.rowIds(r), (id, j) => [id, d.rowValues(r)[j] as number]);
  const replaced = (r: number, item: number): Row => rowOf(r).map(([id, x], j) => [j === neg?.itemSlot[r] ? item : id, x]);
  if (task === 'ranking') {
    if (!neg) throw new Error('ranking needs negatives');
    return { task, pairs: order.map((r, t) => ({ pos: rowOf(r), neg: replaced(r, neg.items[t] as number) })) };
  }
  const rows: { row: Row; y: number }[] = [];
  order.forEach((r, t) => {
    rows.push({ row: rowOf(r), y: neg ? 1 : (d.labels[r] as number) });
    for (let q = 0; q < (neg?.perRow ?? 0); q++) rows.push({ row: replaced(r, neg?.items[t * (neg?.perRow ?? 0) + q] as number), y: 0 });
  });
  return { task, rows };
}

/** Units of a parameter vector: bias, linear weight i, factor row i (fm), or block (i, f) (ffm). */
function unitsOfRow(p: NativeParams, row: Row): { lin: number[]; fac: number[] } {
  const lin = row.map(([id]) => id);
  if (p.kind === 'lr') return { lin, fac: [] };
  if (p.kind !== 'ffm') return { lin, fac: lin };
  const fac: number[] = [];
  for (let j = 0; j < row.length; j++) {
    for (let l = j + 1; l < row.length; l++) {
      const a = (row[j] as [number, number])[0];
      const b = (row[l] as [number, number])[0];
      fac.push(a * p.numFields + (p.fieldOfFeature[b] as number), b * p.numFields + (p.fieldOfFeature[a] as number));
    }
  }
  return { lin, fac };
}

/** Uses per unit in a batch: how many scored rows (ffm: pairs) use each linear weight and factor unit. */
export function usesOf(p: NativeParams, spec: BatchSpec): { lin: Map<number, number>; fac: Map<number, number>; rows: number } {
  const lin = new Map<number, number>();
  const fac = new Map<number, number>();
  const rows = spec.task === 'ranking' ? spec.pairs.flatMap((q) => [q.pos, q.neg]) : spec.rows.map((q) => q.row);
  for (const row of rows) {
    const u = unitsOfRow(p, row);
    for (const i of u.lin) lin.set(i, (lin.get(i) ?? 0) + 1);
    for (const i of u.fac) fac.set(i, (fac.get(i) ?? 0) + 1);
  }
  return { lin, fac, rows: rows.length };
}

/**
 * The objective one step minimises, by definition: mean data loss (½(ŷ−y)², log loss, or BPR per
 * pair) + ½λ_b b² + Σ_units ½λ·(uses/rows)‖θ_unit‖².
 */
export function objectiveOf(p: NativeParams, spec: BatchSpec, l2: { bias: number; linear: number; factors: number }): number {
  let data = 0;
  if (spec.task === 'ranking') {
    for (const { pos, neg } of spec.pairs) {
      const d = bruteScore(p, pos.map((e) => e[0]), pos.map((e) => e[1])) - bruteScore(p, neg.map((e) => e[0]), neg.map((e) => e[1]));
      data += Math.log1p(Math.exp(-d));
    }
    data /= spec.pairs.length;
  } else {
    for (const { row, y } of spec.rows) {
      const s = bruteScore(p, row.map((e) => e[0]), row.map((e) => e[1]));
      data += spec.task === 'regression' ? 0.5 * (s - y) ** 2 : Math.log1p(Math.exp(-s)) + (1 - y) * s;
    }
    data /= spec.rows.length;
  }
  const u = usesOf(p, spec);
  let reg = 0.5 * l2.bias * (p.bias[0] as number) ** 2;
  for (const [i, c] of u.lin) reg += 0.5 * l2.linear * (c / u.rows) * (p.linear[i] as number) ** 2;
  const unitLen = p.k;
  for (const [i, c] of u.fac) {
    for (let f = 0; f < unitLen; f++) reg += 0.5 * l2.factors * (c / u.rows) * (p.factors[i * unitLen + f] as number) ** 2;
  }
  return data + reg;
}

/** Dense parameter vectors in Float64. */
export interface Dense {
  bias: Float64Array;
  linear: Float64Array;
  factors: Float64Array;
}

export function denseOf(p: NativeParams): Dense {
  return { bias: Float64Array.from(p.bias), linear: Float64Array.from(p.linear), factors: Float64Array.from(p.factors) };
}

/** ∇J by central finite differences (h = 1e-3, Float64 objective over Float32 parameters). */
export function fdGradient(p: NativeParams, spec: BatchSpec, l2: { bias: number; linear: number; factors: number }): Dense {
  const g = { bias: new Float64Array(1), linear: new Float64Array(p.linear.length), factors: new Float64Array(p.factors.length) };
  const h = 1e-2;
  for (const key of ['bias', 'linear', 'factors'] as const) {
    const arr = p[key];
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i] as number;
      arr[i] = x + h;
      const up = objectiveOf(p, spec, l2);
      arr[i] = x - h;
      const dn = objectiveOf(p, spec, l2);
      arr[i] = x;
      g[key][i] = (up - dn) / (2 * h);
    }
  }
  return g;
}

/** Optimizer state of the dense reference, per coordinate. */
export interface DenseOptState {
  a: Dense;
  b: Dense;
  t: number;
}

/**
 * One optimizer step on the bias and on every coordinate of the units the batch used (factor unit =
 * row for fm, (feature, field) block for ffm), straight from the papers' formulas, in Float64.
 * `g` already contains the L2 term.
 */
export function denseStep(
  opt: 'sgd' | 'adagrad' | 'adam' | 'ftrl',
  w: Dense,
  st: DenseOptState,
  g: Dense,
  used: { lin: Iterable<number>; fac: Iterable<number> },
  unitLen: number,
  hp: { lr: number; eps: number; beta1: number; beta2: number; ftrlBeta: number; ftrlL1: number; ftrlL2: number },
  /** Adagrad with one accumulator per factor unit (FFM blocks), kept in `st.a.factors[unit]`. */
  rowWiseFactors = false,
): void {
  st.t += 1;
  const upd = (key: keyof Dense, i: number) => {
    const W = w[key];
    const A = st.a[key];
    const B = st.b[key];
    const x = W[i] as number;
    const gi = g[key][i] as number;
    if (opt === 'ftrl') {
      const n0 = B[i] as number;
      const n1 = n0 + gi * gi;
      const sigma = (Math.sqrt(n1) - Math.sqrt(n0)) / hp.lr;
      const z = (A[i] as number) + gi - sigma * x;
      A[i] = z;
      B[i] = n1;
      W[i] = Math.abs(z) <= hp.ftrlL1 ? 0 : -(z - Math.sign(z) * hp.ftrlL1) / ((hp.ftrlBeta + Math.sqrt(n1)) / hp.lr + hp.ftrlL2);
      return;
    }
    if (opt === 'sgd') W[i] = x - hp.lr * gi;
    else if (opt === 'adagrad') {
      A[i] = (A[i] as number) + gi * gi;
      W[i] = x - (hp.lr * gi) / (Math.sqrt(A[i] as number) + hp.eps);
    } else {
      A[i] = hp.beta1 * (A[i] as number) + (1 - hp.beta1) * gi;
      B[i] = hp.beta2 * (B[i] as number) + (1 - hp.beta2) * gi * gi;
      const mh = (A[i] as number) / (1 - hp.beta1 ** st.t);
      const vh = (B[i] as number) / (1 - hp.beta2 ** st.t);
      W[i] = x - (hp.lr * mh) / (Math.sqrt(vh) + hp.eps);
    }
  };
  upd('bias', 0);
  for (const i of used.lin) upd('linear', i);
  for (const u of used.fac) {
    if (opt === 'adagrad' && rowWiseFactors) {
      let g2 = 0;
      for (let f = 0; f < unitLen; f++) g2 += (g.factors[u * unitLen + f] as number) ** 2;
      st.a.factors[u] = (st.a.factors[u] as number) + g2 / unitLen;
      const step = hp.lr / (Math.sqrt(st.a.factors[u] as number) + hp.eps);
      for (let f = 0; f < unitLen; f++) w.factors[u * unitLen + f] = (w.factors[u * unitLen + f] as number) - step * (g.factors[u * unitLen + f] as number);
      continue;
    }
    for (let f = 0; f < unitLen; f++) upd('factors', u * unitLen + f);
  }
}
