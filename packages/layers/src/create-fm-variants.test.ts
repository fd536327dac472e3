import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFmFM, createFwFM, createHOFM, pairIndices, sparseTables } from './index.js';
import { bruteForceAnova, bruteForceFmFM, bruteForceFwFM, bruteForceTriple } from './test-utils/field-pair-reference.js';
import { randomBatch } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [4, 3, 5];
const F = fieldDims.length;
const W = 5;
const k = 3;
const batch = randomBatch(fieldDims, 6, W, 3, 2);
const ids = tf.tensor2d(batch.ids, undefined, 'int32');
const values = tf.tensor2d(batch.values);

/** Non-trivial values for every weight (linear and bias start at 0). */
function perturb(model: tf.LayersModel): void {
  model.trainableWeights.forEach((w, i) => w.write(tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', 100 + i))));
}

/** Named weights of a model as nested arrays (by last name segment, in order). */
function weightsByName(model: tf.LayersModel): [string, unknown][] {
  return model.weights.map((w) => [w.name.split('/').pop()?.replace(/_\d+$/, '') ?? w.name, w.read().arraySync()]);
}

/** w₀ + Σ w_i x_i of one row, from the model's 'linear' and 'bias' weights. */
function linearPart(named: [string, unknown][], row: number[], x: number[]): number {
  const w = named.find(([n]) => n === 'linear')?.[1] as number[][];
  const bias = (named.find(([n]) => n === 'bias')?.[1] as number[])[0] as number;
  return row.reduce((s, id, i) => s + (w[id]?.[0] as number) * (x[i] as number), bias);
}

describe('createHOFM', () => {
  it('equals w₀ + Σ w_i x_i + Σ_{i<j} ⟨p_i, p_j⟩ x_i x_j + Σ_{i<j<l} ⟨p′_i ⊙ p′_j, p′_l⟩ x_i x_j x_l with two factor tables', () => {
    const model = createHOFM({ fieldDims, width: W, embeddingDim: k, seed: 1, initStd: 0.5 });
    perturb(model);
    const named = weightsByName(model);
    const tables = named.filter(([n]) => n === 'embedding').map(([, t]) => t as number[][]);
    expect(tables).toHaveLength(2);
    expect(sparseTables(model)).toHaveLength(3); // linear + the two factor tables, all updated row-wise
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((row, b) => {
      const x = batch.values[b] as number[];
      const p2 = row.map((id) => tables[0]?.[id] as number[]);
      const p3 = row.map((id) => tables[1]?.[id] as number[]);
      let pairs = 0;
      for (let i = 0; i < W; i++) for (let j = i + 1; j < W; j++) pairs += (p2[i] as number[]).reduce((s, v, c) => s + v * (p2[j]?.[c] as number), 0) * (x[i] as number) * (x[j] as number);
      expect(out[b]).toBeCloseTo(linearPart(named, row, x) + pairs + bruteForceTriple(p3, x), 4);
    });
  });

  it('order m builds one table per degree 2..m and adds the degree-m ANOVA kernel', () => {
    const model = createHOFM({ fieldDims, width: W, embeddingDim: k, seed: 1, initStd: 0.5, order: 4 });
    perturb(model);
    const named = weightsByName(model);
    const tables = named.filter(([n]) => n === 'embedding').map(([, t]) => t as number[][]);
    expect(tables).toHaveLength(3);
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((row, b) => {
      const x = batch.values[b] as number[];
      const kernels = tables.map((t, d) => bruteForceAnova(row.map((id) => t[id] as number[]), x, d + 2));
      expect(out[b]).toBeCloseTo(linearPart(named, row, x) + kernels.reduce((a, c) => a + c, 0), 4);
    });
    expect(() => createHOFM({ fieldDims, order: 1 })).toThrow(/order must be an integer ≥ 2/);
  });
});

describe('createFwFM and createFmFM', () => {
  it('FwFM equals linear + Σ_{i<j} r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j by brute force', () => {
    const model = createFwFM({ fieldDims, width: W, embeddingDim: k, seed: 2, initStd: 0.5 });
    perturb(model);
    const named = weightsByName(model);
    const table = named.find(([n]) => n === 'embedding')?.[1] as number[][];
    const packed = named.find(([n]) => n === 'field_pair_weights')?.[1] as number[];
    // r from the packed f ≤ g list, read independently of the layer
    const r = fieldDims.map(() => new Array<number>(F).fill(0));
    let q = 0;
    for (let f = 0; f < F; f++) for (let g = f; g < F; g++) (r[f] as number[])[g] = (r[g] as number[])[f] = packed[q++] as number;
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((row, b) => {
      const x = batch.values[b] as number[];
      const pairs = bruteForceFwFM(fieldDims, r, row, row.map((id) => table[id] as number[]), x);
      expect(out[b]).toBeCloseTo(linearPart(named, row, x) + pairs, 4);
    });
  });

  it('FmFM equals linear + Σ_{i<j, f_i≠f_j} v_i M_{f_i,f_j} v_jᵀ x_i x_j by brute force', () => {
    const model = createFmFM({ fieldDims, width: W, embeddingDim: k, seed: 3, initStd: 0.5 });
    perturb(model);
    const named = weightsByName(model);
    const table = named.find(([n]) => n === 'embedding')?.[1] as number[][];
    const matrices = named.find(([n]) => n === 'field_matrices')?.[1] as number[][][];
    const { rows, cols } = pairIndices(F);
    const M = (f: number, g: number) => matrices[rows.findIndex((r, p) => r === f && cols[p] === g)] as number[][];
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((row, b) => {
      const x = batch.values[b] as number[];
      const pairs = bruteForceFmFM(fieldDims, M, row, row.map((id) => table[id] as number[]), x);
      expect(out[b]).toBeCloseTo(linearPart(named, row, x) + pairs, 4);
    });
  });
});
