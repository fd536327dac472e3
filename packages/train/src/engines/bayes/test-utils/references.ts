// Independent references for the Bayesian FM / ALS tests: FM scores by the pairwise definition in
// Float64, dense linear algebra, and 2-D grid quadrature of unnormalised log posteriors.
import { FieldSchema, Rng, SparseDataset } from '@fm/data';

/** Point parameters (Float32 or Float64 arrays) in the FusedParams layout. */
export interface Point {
  bias: ArrayLike<number>;
  linear: ArrayLike<number>;
  factors: ArrayLike<number>;
}

/** ŷ of row r by the pairwise definition w₀ + Σ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ (Rendle 2010, eq. 1). */
export function bruteFm(p: Point, k: number, ds: SparseDataset, r: number): number {
  const ids = ds.rowIds(r);
  const xs = ds.rowValues(r);
  let y = p.bias[0] as number;
  for (let j = 0; j < ids.length; j++) y += (p.linear[ids[j] as number] as number) * (xs[j] as number);
  for (let j = 0; j < ids.length; j++) {
    for (let l = j + 1; l < ids.length; l++) {
      let dot = 0;
      for (let f = 0; f < k; f++) dot += (p.factors[(ids[j] as number) * k + f] as number) * (p.factors[(ids[l] as number) * k + f] as number);
      y += dot * (xs[j] as number) * (xs[l] as number);
    }
  }
  return y;
}

/** A dataset with one numeric field per column of a dense design matrix (zeros left out). */
export function denseDataset(x: readonly (readonly number[])[], labels: readonly number[]): SparseDataset {
  const p = x[0]?.length ?? 0;
  const schema = new FieldSchema(Array.from({ length: p }, (_, j) => ({ name: `x${j}`, kind: 'numeric' as const, cardinality: 1 })));
  const offsets = new Int32Array(x.length + 1);
  const ids: number[] = [];
  const values: number[] = [];
  x.forEach((row, r) => {
    row.forEach((v, j) => {
      if (v !== 0) {
        ids.push(j);
        values.push(v);
      }
    });
    offsets[r + 1] = ids.length;
  });
  return new SparseDataset({ schema, labels: Float32Array.from(labels), offsets, ids: Int32Array.from(ids), values: Float32Array.from(values) });
}

/** Inverse of a small symmetric positive-definite matrix by Gauss-Jordan elimination. */
export function invert(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[piv] as number[])[c] as number)) piv = r;
    [m[c], m[piv]] = [m[piv] as number[], m[c] as number[]];
    const pr = m[c] as number[];
    const d = pr[c] as number;
    for (let j = 0; j < 2 * n; j++) pr[j] = (pr[j] as number) / d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = m[r] as number[];
      const f = row[c] as number;
      for (let j = 0; j < 2 * n; j++) row[j] = (row[j] as number) - f * (pr[j] as number);
    }
  }
  return m.map((row) => row.slice(n));
}

/** Matrix-vector product. */
export function matVec(a: readonly (readonly number[])[], v: readonly number[]): number[] {
  return a.map((row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
}

/**
 * Expectations under the density ∝ exp(logDensity(a, b)) on the square [−half, half]² by the
 * midpoint rule on a `steps × steps` grid (the density must be negligible outside the square).
 */
export function quadrature2d(
  logDensity: (a: number, b: number) => number,
  half: number,
  steps: number,
  fns: readonly ((a: number, b: number) => number)[],
): number[] {
  const h = (2 * half) / steps;
  const logs: number[] = [];
  let max = -Infinity;
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      const l = logDensity(-half + (i + 0.5) * h, -half + (j + 0.5) * h);
      logs.push(l);
      if (l > max) max = l;
    }
  }
  let z = 0;
  const sums = fns.map(() => 0);
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) {
      const w = Math.exp((logs[i * steps + j] as number) - max);
      const a = -half + (i + 0.5) * h;
      const b = -half + (j + 0.5) * h;
      z += w;
      fns.forEach((f, t) => (sums[t] = (sums[t] as number) + w * f(a, b)));
    }
  }
  return sums.map((s) => s / z);
}

/**
 * Rows over fields user (3), item (4), a numeric field and a multi-hot bag (3) with unnormalised
 * weights; labels from a noisy rule with an interaction, or its sign as 0/1 when `binary`.
 */
export function mixedDataset(rows: number, seed: number, binary = false): SparseDataset {
  const rng = new Rng(seed);
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 3 },
    { name: 'item', kind: 'categorical', cardinality: 4 },
    { name: 'age', kind: 'numeric', cardinality: 1 },
    { name: 'tags', kind: 'multi-hot', cardinality: 3 },
  ]);
  const offsets = [0];
  const ids: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const u = rng.int(3);
    const i = rng.int(4);
    const age = 0.5 + rng.next();
    ids.push(u, 3 + i, 7, 8 + rng.int(3));
    values.push(1, 1, age, 0.5 + rng.next());
    offsets.push(ids.length);
    const s = (u - 1) * 0.5 + (i % 2) * 0.4 - (age - 1) * 0.3 + (u === i % 3 ? 0.6 : -0.2) + 0.4 * rng.normal();
    labels.push(binary ? (s > 0 ? 1 : 0) : 3 + s);
  }
  return new SparseDataset({ schema, labels: Float32Array.from(labels), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: Float32Array.from(values) });
}

/**
 * Rows (user, item, age, rated[, tags]) where `rated` is the user's bag of rated items with weights 1/count, the
 * same on every row of the user (a relational block keyed by user, as MovieLens' `rated`): 6 users with bags of
 * 8-12 of 14 items. With `tags`, a second block keyed by item: each item's bag of 3-6 of 8 tags, weights 1.
 * `breakRow` gives that row's rated bag one changed weight (no longer a block).
 */
export function relationalDataset(rows: number, seed: number, options: { binary?: boolean; breakRow?: number; tags?: boolean } = {}): SparseDataset {
  const rng = new Rng(seed);
  const U = 6;
  const I = 14;
  const T = 8;
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: U },
    { name: 'item', kind: 'categorical', cardinality: I },
    { name: 'age', kind: 'numeric', cardinality: 1 },
    { name: 'rated', kind: 'multi-hot', cardinality: I },
    ...(options.tags ? [{ name: 'tags', kind: 'multi-hot' as const, cardinality: T }] : []),
  ]);
  const subset = (of: number, min: number, spread: number) => {
    const order = Array.from({ length: of }, (_, i) => i);
    for (let i = of - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    return order.slice(0, min + rng.int(spread)).sort((a, b) => a - b);
  };
  const bags = Array.from({ length: U }, () => subset(I, 8, 5));
  const tags = Array.from({ length: I }, () => subset(T, 3, 4));
  const ages = Array.from({ length: U }, () => 0.5 + rng.next());
  const offsets = [0];
  const ids: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const u = rng.int(U);
    const bag = bags[u] as number[];
    const i = bag[rng.int(bag.length)] as number;
    ids.push(u, U + i, U + I);
    values.push(1, 1, ages[u] as number);
    for (const b of bag) {
      ids.push(U + I + 1 + b);
      values.push((r === options.breakRow && b === bag[0] ? 2 : 1) / bag.length);
    }
    if (options.tags) {
      for (const t of tags[i] as number[]) {
        ids.push(U + 2 * I + 1 + t);
        values.push(1);
      }
    }
    offsets.push(ids.length);
    const s = (u - 2.5) * 0.3 + (i % 3) * 0.4 - ((ages[u] as number) - 1) * 0.3 + (bag.includes((i + 1) % I) ? 0.5 : -0.3) + 0.4 * rng.normal();
    labels.push(options.binary ? (s > 0 ? 1 : 0) : 3 + s);
  }
  return new SparseDataset({ schema, labels: Float32Array.from(labels), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: Float32Array.from(values) });
}

/**
 * Rows (user, item, x, tags[, rated]) large enough for laned sweeps: `users` × `items` categorical ids, a numeric x,
 * a multi-hot bag of 1-3 of 6 tags and, with `rated`, each user's bag of 5-9 items (weights 1/count, a relational
 * block keyed by user). With `itemWeights` the item entries carry values in [0.5, 1.5) instead of 1; with
 * `twoUsersRow`, that row holds a second user id (so no row-disjoint user field).
 */
export function lanedDataset(
  rows: number,
  seed: number,
  options: { users?: number; items?: number; binary?: boolean; rated?: boolean; itemWeights?: boolean; twoUsersRow?: number } = {},
): SparseDataset {
  const rng = new Rng(seed);
  const U = options.users ?? 40;
  const I = options.items ?? 24;
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: U },
    { name: 'item', kind: 'categorical', cardinality: I },
    { name: 'x', kind: 'numeric', cardinality: 1 },
    { name: 'tags', kind: 'multi-hot', cardinality: 6 },
    ...(options.rated ? [{ name: 'rated', kind: 'multi-hot' as const, cardinality: I }] : []),
  ]);
  const pu = Array.from({ length: U }, () => rng.normal());
  const qi = Array.from({ length: I }, () => rng.normal());
  const bags = Array.from({ length: U }, () => {
    const n = 5 + rng.int(5);
    const s = new Set<number>();
    while (s.size < n) s.add(rng.int(I));
    return [...s].sort((a, b) => a - b);
  });
  const offsets = [0];
  const ids: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const u = rng.int(U);
    const i = rng.int(I);
    const x = rng.normal();
    const wi = options.itemWeights ? 0.5 + rng.next() : 1;
    ids.push(u, U + i, U + I);
    values.push(1, wi, x);
    if (r === options.twoUsersRow) {
      ids.push((u + 1) % U);
      values.push(1);
    }
    const tags = new Set<number>();
    const nt = 1 + rng.int(3);
    while (tags.size < nt) tags.add(rng.int(6));
    for (const t of tags) {
      ids.push(U + I + 1 + t);
      values.push(1);
    }
    if (options.rated) {
      const bag = bags[u] as number[];
      for (const b of bag) {
        ids.push(U + I + 7 + b);
        values.push(1 / bag.length);
      }
    }
    offsets.push(ids.length);
    const s = 0.5 * (pu[u] as number) * (qi[i] as number) * wi + 0.3 * x + 0.2 * tags.size + 0.3 * rng.normal();
    labels.push(options.binary ? (s > 0.3 ? 1 : 0) : 3 + s);
  }
  return new SparseDataset({ schema, labels: Float32Array.from(labels), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: Float32Array.from(values) });
}
