// Independent references for the native-engine tests: plain O(n²) formulas over dense per-row data.
import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import type { NativeParams } from '../types.js';

/** Score of one row by the definition: bias + Σ w x + Σ_{j<l} ⟨·,·⟩ x_j x_l (pairwise, no tricks). */
export function bruteScore(p: NativeParams, ids: ArrayLike<number>, xs: ArrayLike<number>): number {
  let y = p.bias[0] as number;
  const m = ids.length;
  for (let j = 0; j < m; j++) y += (p.linear[ids[j] as number] as number) * (xs[j] as number);
  if (p.kind === 'lr') return y;
  let sq = 0;
  for (let j = 0; j < m; j++) sq += (xs[j] as number) ** 2;
  const r = p.kind === 'ffm' && p.normalize && sq > 0 ? 1 / sq : 1;
  const k = p.k;
  const F = p.numFields;
  for (let j = 0; j < m; j++) {
    for (let l = j + 1; l < m; l++) {
      const a = ids[j] as number;
      const b = ids[l] as number;
      let dot = 0;
      for (let f = 0; f < k; f++) {
        if (p.kind === 'ffm') {
          const fa = p.fieldOfFeature[a] as number;
          const fb = p.fieldOfFeature[b] as number;
          dot += (p.factors[(a * F + fb) * k + f] as number) * (p.factors[(b * F + fa) * k + f] as number);
        } else {
          dot += (p.factors[a * k + f] as number) * (p.factors[b * k + f] as number);
        }
      }
      y += r * dot * (xs[j] as number) * (xs[l] as number);
    }
  }
  return y;
}

/** The loss whose gradient training follows: ½(p − y)² for regression, log loss of σ(p) for binary. */
export function objective(task: 'regression' | 'binary', p: number, y: number): number {
  if (task === 'regression') return 0.5 * (p - y) * (p - y);
  const s = 1 / (1 + Math.exp(-p));
  return -(y * Math.log(s) + (1 - y) * Math.log(1 - s));
}

/** Mean objective over rows [from, to) of a dataset, by brute force. */
export function bruteObjective(p: NativeParams, d: SparseDataset, task: 'regression' | 'binary', rows: number[]): number {
  let s = 0;
  for (const r of rows) s += objective(task, bruteScore(p, d.rowIds(r), d.rowValues(r)), d.labels[r] as number);
  return s / rows.length;
}

/** A dataset from explicit rows of (global id, value) pairs; labels given. */
export function datasetOf(fieldDims: number[], rows: [number, number][][], labels: number[]): SparseDataset {
  const schema = new FieldSchema(fieldDims.map((c, i) => ({ name: `f${i}`, kind: 'categorical' as const, cardinality: c })));
  const offsets = new Int32Array(rows.length + 1);
  const ids: number[] = [];
  const values: number[] = [];
  rows.forEach((row, r) => {
    for (const [id, v] of row) {
      ids.push(id);
      values.push(v);
    }
    offsets[r + 1] = ids.length;
  });
  return new SparseDataset({
    schema,
    labels: Float32Array.from(labels),
    offsets,
    ids: Int32Array.from(ids),
    values: Float32Array.from(values),
  });
}

/**
 * A planted problem: one random feature per field (plus value jitter when `jitter`), labels from a
 * hidden FM with k=2 (regression) or its sign through σ (binary, sampled labels).
 */
export function plantedDataset(
  fieldDims: number[], rows: number, seed: number, task: 'regression' | 'binary', jitter = false,
): SparseDataset {
  const rng = new Rng(seed);
  const n = fieldDims.reduce((a, b) => a + b, 0);
  const w = Array.from({ length: n }, () => rng.normal() * 0.5);
  const v = Array.from({ length: n * 2 }, () => rng.normal() * 0.7);
  const offs: number[] = [];
  let o = 0;
  for (const d of fieldDims) {
    offs.push(o);
    o += d;
  }
  const data: [number, number][][] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row: [number, number][] = fieldDims.map((d, f) => [(offs[f] as number) + rng.int(d), jitter ? 0.5 + rng.next() : 1]);
    let y = 0.3;
    for (const [i, x] of row) y += (w[i] as number) * x;
    for (let a = 0; a < row.length; a++) {
      for (let b = a + 1; b < row.length; b++) {
        const [i, xi] = row[a] as [number, number];
        const [j, xj] = row[b] as [number, number];
        y += ((v[i * 2] as number) * (v[j * 2] as number) + (v[i * 2 + 1] as number) * (v[j * 2 + 1] as number)) * xi * xj;
      }
    }
    data.push(row);
    labels.push(task === 'regression' ? y + 0.1 * rng.normal() : rng.next() < 1 / (1 + Math.exp(-2 * y)) ? 1 : 0);
  }
  return datasetOf(fieldDims, data, labels);
}
