// Plain-JS references for the tests: brute-force O(W²) pairwise sums, a tiny seeded generator, finite differences.
import * as tf from '@tensorflow/tfjs';

/** Deterministic uniform [0, 1) stream (xorshift32), independent of the code under test. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export interface SparseBatch {
  ids: number[][];
  values: number[][];
}

/**
 * A random batch: each row picks `used` of `width` slots (one id per field for the first fields, then random
 * extra ids anywhere: multi-hot), pads the rest with id 0 / value 0.
 */
export function randomBatch(fieldDims: number[], batch: number, width: number, seed: number, minUsed = 1): SparseBatch {
  const rnd = uniform(seed);
  const n = fieldDims.reduce((a, b) => a + b, 0);
  const offsets = [0];
  for (const d of fieldDims) offsets.push((offsets[offsets.length - 1] as number) + d);
  const ids: number[][] = [];
  const values: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const used = minUsed + Math.floor(rnd() * (width - minUsed + 1));
    const rowIds: number[] = [];
    const rowValues: number[] = [];
    for (let s = 0; s < width; s++) {
      if (s < used) {
        const f = s % fieldDims.length;
        const id = s < fieldDims.length ? (offsets[f] as number) + Math.floor(rnd() * (fieldDims[f] as number)) : Math.floor(rnd() * n);
        rowIds.push(id);
        rowValues.push(0.25 + rnd() * 1.5);
      } else {
        rowIds.push(0);
        rowValues.push(0);
      }
    }
    ids.push(rowIds);
    values.push(rowValues);
  }
  return { ids, values };
}

export function fieldOf(fieldDims: number[], id: number): number {
  let start = 0;
  for (let f = 0; f < fieldDims.length; f++) {
    start += fieldDims[f] as number;
    if (id < start) return f;
  }
  throw new Error(`id ${id} out of range`);
}

/** Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j by brute force; table rows as number[][]. */
export function bruteForceFM(table: number[][], ids: number[], values: number[]): number {
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const vi = table[ids[i] as number] as number[];
      const vj = table[ids[j] as number] as number[];
      let dot = 0;
      for (let f = 0; f < vi.length; f++) dot += (vi[f] as number) * (vj[f] as number);
      total += dot * (values[i] as number) * (values[j] as number);
    }
  }
  return total;
}

/** Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j by brute force; table rows [F·k] with block f = v_{i,f}. */
export function bruteForceFFM(table: number[][], fieldDims: number[], k: number, ids: number[], values: number[]): number {
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const idI = ids[i] as number;
      const idJ = ids[j] as number;
      const fi = fieldOf(fieldDims, idI);
      const fj = fieldOf(fieldDims, idJ);
      const rowI = table[idI] as number[];
      const rowJ = table[idJ] as number[];
      let dot = 0;
      for (let c = 0; c < k; c++) dot += (rowI[fj * k + c] as number) * (rowJ[fi * k + c] as number);
      total += dot * (values[i] as number) * (values[j] as number);
    }
  }
  return total;
}

/** Reads a tensor as nested JS numbers. */
export function rows2d(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

/**
 * Checks ∂f/∂w against central differences for `count` random entries of each variable.
 * Returns the list of (analytic, numeric) pairs for assertion.
 */
export function finiteDifferenceCheck(
  f: () => tf.Scalar,
  variables: tf.Variable[],
  options: { count?: number; eps?: number; seed?: number } = {},
): { name: string; index: number; analytic: number; numeric: number }[] {
  const { count = 6, eps = 1e-2, seed = 7 } = options;
  const rnd = uniform(seed);
  const { grads } = tf.variableGrads(f, variables);
  const out: { name: string; index: number; analytic: number; numeric: number }[] = [];
  for (const v of variables) {
    const grad = grads[v.name];
    if (grad === undefined) throw new Error(`no gradient for ${v.name}`);
    const g = grad.dataSync();
    const base = v.dataSync().slice();
    // probe both touched (non-zero gradient) entries and random ones
    const nonZero: number[] = [];
    g.forEach((x, i) => {
      if (x !== 0) nonZero.push(i);
    });
    const picks = new Set<number>();
    for (let c = 0; c < count; c++) {
      picks.add(nonZero.length > 0 && c % 2 === 0 ? (nonZero[Math.floor(rnd() * nonZero.length)] as number) : Math.floor(rnd() * base.length));
    }
    for (const index of picks) {
      const probe = (delta: number): number => {
        const copy = base.slice();
        copy[index] = (copy[index] as number) + delta;
        v.assign(tf.tensor(copy, v.shape, 'float32'));
        return tf.tidy(() => f().dataSync()[0] as number);
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      v.assign(tf.tensor(base, v.shape, 'float32'));
      out.push({ name: v.name, index, analytic: g[index] as number, numeric });
    }
  }
  tf.dispose(grads);
  return out;
}

/**
 * Finite-difference check of every trainable weight of a built layer, on the scalar Σ (layer(inputs) ⊙ r) with a
 * fixed random r; returns the (analytic, numeric) pairs as {@link finiteDifferenceCheck} does.
 */
export function layerGradientChecks(
  layer: tf.layers.Layer,
  inputs: tf.Tensor | tf.Tensor[],
  options: { count?: number; eps?: number; seed?: number } = {},
): { name: string; index: number; analytic: number; numeric: number }[] {
  const out = layer.apply(inputs) as tf.Tensor;
  const r = tf.randomNormal(out.shape, 0, 1, 'float32', options.seed ?? 3);
  const f = () => tf.sum(tf.mul(layer.apply(inputs) as tf.Tensor, r)) as tf.Scalar;
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  if (vars.length === 0) throw new Error(`layer ${layer.name} has no trainable weights`);
  return finiteDifferenceCheck(f, vars, { count: options.count ?? 4, eps: options.eps ?? 1e-3, seed: options.seed ?? 7 });
}

/** |analytic − numeric| below 5e-3 + 2e-2·|numeric| (float32 central differences). */
export function gradientCheckFails(checks: { analytic: number; numeric: number }[]): string[] {
  return checks
    .filter((c) => !(Math.abs(c.analytic - c.numeric) < 5e-3 + 2e-2 * Math.abs(c.numeric)))
    .map((c) => JSON.stringify(c));
}

/** Plain-JS matrix product of nested arrays: a `[n][p]` × b `[p][q]`. */
export function matMulJs(a: number[][], b: number[][]): number[][] {
  return a.map((row) => {
    const out = new Array<number>((b[0] as number[]).length).fill(0);
    row.forEach((x, p) => (b[p] as number[]).forEach((y, q) => (out[q] = (out[q] as number) + x * y)));
    return out;
  });
}
