import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DCN_V2_DEFAULT_RANK, DCN_V2_FULL_RANK_MAX_DIM, createFM, createFNN, createIPNN, createModel, createOPNN, createWideDeep, initFromFM } from './index.js';
import { fieldOf, randomBatch } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [4, 3, 5];
const F = fieldDims.length;
const W = 5; // multi-hot rows: fields are sum-pooled before the MLP
const k = 3;
const batch = randomBatch(fieldDims, 6, W, 7, 2);
const ids = tf.tensor2d(batch.ids, undefined, 'int32');
const values = tf.tensor2d(batch.values);
const config = { fieldDims, width: W, embeddingDim: k, seed: 4, initStd: 0.5, hiddenUnits: [5, 4] };

function perturb(model: tf.LayersModel): void {
  model.trainableWeights.forEach((w, i) => w.write(tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', 200 + i))));
}

function weight(model: tf.LayersModel, name: string): unknown {
  const last = (v: tf.LayerVariable) => v.name.split('/').pop() ?? v.name;
  const w = model.weights.find((v) => last(v) === name) ?? model.weights.find((v) => last(v).replace(/_\d+$/, '') === name);
  if (w === undefined) throw new Error(`no weight ${name}`);
  return w.read().arraySync();
}

/** The MLP forward pass in plain JS: dense → ReLU per hidden layer, then the linear output unit. */
function mlp(model: tf.LayersModel, input: number[], hidden: number): number {
  let h = input;
  const layers = [...Array.from({ length: hidden }, (_, l) => String(l)), 'out'];
  for (const l of layers) {
    const kernel = weight(model, `dense_kernel_${l}`) as number[][];
    const bias = weight(model, `dense_bias_${l}`) as number[];
    const next = bias.map((b, u) => h.reduce((s, v, d) => s + v * (kernel[d]?.[u] as number), b));
    h = l === 'out' ? next : next.map((v) => Math.max(0, v));
  }
  return h[0] as number;
}

/** Per-field sums of x_i v_i of row b, flattened [F·k] (field-major). */
function fieldSums(model: tf.LayersModel, b: number): number[][] {
  const table = weight(model, 'embedding') as number[][];
  const sums = fieldDims.map(() => new Array<number>(k).fill(0));
  (batch.ids[b] as number[]).forEach((id, i) => {
    const x = (batch.values[b] as number[])[i] as number;
    const s = sums[fieldOf(fieldDims, id)] as number[];
    for (let c = 0; c < k; c++) s[c] = (s[c] as number) + (table[id]?.[c] as number) * x;
  });
  return sums;
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, c) => s + v * (b[c] as number), 0);

describe('deep models (plain-JS forward pass from the weights)', () => {
  it('FNN = MLP(concatenated field sums)', () => {
    const model = createFNN(config);
    perturb(model);
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((_, b) => expect(out[b]).toBeCloseTo(mlp(model, fieldSums(model, b).flat(), 2), 4));
  });

  it('Wide & Deep = w₀ + Σ w_i x_i + MLP(concatenated field sums)', () => {
    const model = createWideDeep(config);
    perturb(model);
    const linear = weight(model, 'linear') as number[][];
    const bias = (weight(model, 'bias') as number[])[0] as number;
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((row, b) => {
      const wide = row.reduce((s, id, i) => s + (linear[id]?.[0] as number) * ((batch.values[b] as number[])[i] as number), bias);
      expect(out[b]).toBeCloseTo(wide + mlp(model, fieldSums(model, b).flat(), 2), 4);
    });
  });

  it('IPNN = MLP(ReLU(W_z z + b₁ + (‖Σ_f θ_f^n S_f‖²)_n)) over the field sums', () => {
    const model = createIPNN(config);
    perturb(model);
    const mlps = model.layers.filter((l) => l.getClassName() === 'MultiLayerPerceptron');
    const [linearKernel, linearBias] = (mlps[0] as tf.layers.Layer).getWeights().map((w) => w.arraySync()) as [number[][], number[]];
    const tower = (mlps[1] as tf.layers.Layer).getWeights().map((w) => w.arraySync()) as [number[][], number[], number[][], number[]];
    const theta = weight(model, 'product_weights') as number[][];
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((_, b) => {
      const S = fieldSums(model, b);
      const z = S.flat();
      const l1 = linearBias.map((bias, n) => {
        const lz = z.reduce((acc, v, d) => acc + v * (linearKernel[d]?.[n] as number), bias);
        const delta = Array.from({ length: k }, (_, c) => S.reduce((acc, row, f) => acc + (theta[f]?.[n] as number) * (row[c] as number), 0));
        return Math.max(0, lz + dot(delta, delta));
      });
      const hidden = tower[1].map((bias, u) => Math.max(0, l1.reduce((acc, v, d) => acc + v * (tower[0][d]?.[u] as number), bias)));
      const ref = hidden.reduce((acc, v, d) => acc + v * (tower[2][d]?.[0] as number), tower[3][0] as number);
      expect(out[b]).toBeCloseTo(ref, 4);
    });
    expect(() => createIPNN({ fieldDims, hiddenUnits: [] })).toThrow(/at least one size/);
  });

  it('OPNN = MLP([field sums, vec(Σ_f Σ_g S_f S_gᵀ)])', () => {
    const model = createOPNN(config);
    perturb(model);
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    batch.ids.forEach((_, b) => {
      const S = fieldSums(model, b);
      const outer: number[] = [];
      for (let a = 0; a < k; a++) {
        for (let c = 0; c < k; c++) {
          let s = 0;
          for (let f = 0; f < F; f++) for (let g = 0; g < F; g++) s += (S[f]?.[a] as number) * (S[g]?.[c] as number);
          outer.push(s);
        }
      }
      expect(out[b]).toBeCloseTo(mlp(model, [...S.flat(), ...outer], 2), 4);
    });
  });

  it('does not depend on the order of the slots (fields are pooled by id)', () => {
    const model = createIPNN(config);
    perturb(model);
    const reversed = [tf.reverse(ids, 1), tf.reverse(values, 1)];
    const a = (model.predict([ids, values]) as tf.Tensor).dataSync();
    const b = (model.predict(reversed) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
  });
});

describe('initFromFM', () => {
  it('copies an FM factor table into FNN, and factors, linear weights and bias into Wide & Deep', () => {
    const fm = createFM({ fieldDims, embeddingDim: k, seed: 9, initStd: 0.5 });
    perturb(fm);
    const fnn = createFNN(config);
    const mlpBefore = weight(fnn, 'dense_kernel_0');
    expect(initFromFM(fnn, fm)).toHaveLength(1);
    expect(weight(fnn, 'embedding')).toEqual(weight(fm, 'embedding'));
    expect(weight(fnn, 'dense_kernel_0')).toEqual(mlpBefore);
    const wd = createWideDeep(config);
    expect(initFromFM(wd, fm)).toHaveLength(3);
    for (const name of ['embedding', 'linear', 'bias']) expect(weight(wd, name)).toEqual(weight(fm, name));
  });

  it('rejects an FM of other fieldDims or another k', () => {
    const fm = createFM({ fieldDims, embeddingDim: k + 1 });
    expect(() => initFromFM(createFNN(config), fm)).toThrow(/same embeddingDim/);
    expect(() => initFromFM(createFNN(config), createModel('fm', { fieldDims: [4, 3] }))).toThrow(/fieldDims \[4, 3\]/);
  });
});

describe('DCN-V2 default cross rank', () => {
  /** The cross kernels' names and shapes. */
  const crossShapes = (cfg: Parameters<typeof createModel>[1]) => {
    const model = createModel('dcn-v2', cfg);
    // every cross layer has the same kernels: the distinct (name, shape) pairs
    const shapes = [
      ...new Set(model.weights.filter((w) => /cross_(kernel|u|v)(_\d+)?$/.test(w.name)).map((w) => `${w.name.split('/').pop()?.replace(/_\d+$/, '')} ${w.shape.join('×')}`)),
    ];
    model.dispose();
    return shapes;
  };
  const fields = (n: number) => Array.from({ length: n }, () => 3);

  it('is full rank up to D = slots·k = 256, rank 64 above; crossRank 0 forces full rank, a number sets the rank', () => {
    expect(DCN_V2_FULL_RANK_MAX_DIM).toBe(256);
    expect(DCN_V2_DEFAULT_RANK).toBe(64);
    // D = 16 slots × 16 = 256: full rank
    expect(crossShapes({ fieldDims: fields(16), embeddingDim: 16, seed: 1 })).toEqual(['cross_kernel 256×256']);
    // D = 17 × 16 = 272 (width counts the slots, here 17 multi-hot slots over 2 fields): low rank
    expect(crossShapes({ fieldDims: fields(2), width: 17, embeddingDim: 16, seed: 1 })).toEqual(['cross_u 272×64', 'cross_v 64×272']);
    expect(crossShapes({ fieldDims: fields(39), embeddingDim: 16, seed: 1, crossRank: 0 })).toEqual(['cross_kernel 624×624']);
    expect(crossShapes({ fieldDims: fields(2), embeddingDim: 16, seed: 1, crossRank: 8 })).toEqual(['cross_u 32×8', 'cross_v 8×32']);
    expect(() => createModel('dcn-v2', { fieldDims: fields(2), crossRank: -1 })).toThrow(/crossRank/);
  });
});
