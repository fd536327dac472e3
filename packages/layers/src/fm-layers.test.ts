import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FactorizationMachine,
  createFM,
  createLR,
  factorizationMachine,
  featuresEmbedding,
  featuresLinear,
  fieldAwareFactorizationMachine,
} from './index.js';
import { bruteForceFFM, bruteForceFM, randomBatch, rows2d } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 5, 4];
const n = 12;

describe('FeaturesEmbedding / FeaturesLinear', () => {
  it('looks up rows, scales by values and sums the linear term with padding contributing nothing', () => {
    const emb = featuresEmbedding({ fieldDims, embeddingDim: 3, seed: 1 });
    const lin = featuresLinear({ fieldDims });
    const ids = tf.tensor2d([[0, 4, 9], [2, 0, 0]], [2, 3], 'int32');
    const values = tf.tensor2d([[1, 2, 0.5], [3, 0, 0]]);
    const rows = emb.apply(ids) as tf.Tensor;
    expect(rows.shape).toEqual([2, 3, 3]);
    const table = rows2d(emb.getWeights()[0] as tf.Tensor);
    expect(table.length).toBe(n);
    const got = rows.arraySync() as number[][][];
    expect(got[0]?.[1]).toEqual(table[4]?.map((x) => Math.fround(x)));
    const scaled = emb.apply([ids, values]) as tf.Tensor;
    const gotScaled = scaled.arraySync() as number[][][];
    (gotScaled[0]?.[1] ?? []).forEach((x, c) => expect(x).toBeCloseTo(2 * (table[4]?.[c] as number), 6));

    lin.apply([ids, values]);
    const w = Float32Array.from({ length: n }, (_, i) => i / 10 - 0.3);
    lin.setWeights([tf.tensor2d(w, [n, 1]), tf.tensor1d([0.7])]);
    const out = (lin.apply([ids, values]) as tf.Tensor).arraySync() as number[][];
    const ref0 = 0.7 + (w[0] as number) * 1 + (w[4] as number) * 2 + (w[9] as number) * 0.5;
    const ref1 = 0.7 + (w[2] as number) * 3;
    expect(out[0]?.[0]).toBeCloseTo(ref0, 5);
    expect(out[1]?.[0]).toBeCloseTo(ref1, 5);
  });

  it.each(['cpu', 'wasm'])('values all 1 (%s): the rows as they are, no scaling product runs; a later non-1 value scales', async (backend) => {
    await tf.setBackend(backend);
    const emb = featuresEmbedding({ fieldDims, embeddingDim: 3, seed: 1 });
    const lin = featuresLinear({ fieldDims });
    const ids = tf.tensor2d([[0, 4, 9], [2, 5, 11]], [2, 3], 'int32');
    const ones = tf.variable(tf.ones([2, 3]));
    const plain = (emb.apply(ids) as tf.Tensor).arraySync();
    const profile = await tf.profile(() => [emb.apply([ids, ones]) as tf.Tensor, lin.apply([ids, ones]) as tf.Tensor]);
    expect(profile.kernels.map((k) => k.name)).not.toContain('Multiply');
    expect((emb.apply([ids, ones]) as tf.Tensor).arraySync()).toEqual(plain);
    const w = (lin.getWeights()[0] as tf.Tensor).dataSync();
    const b = (lin.getWeights()[1] as tf.Tensor).dataSync()[0] as number;
    const byHand = (row: number[], scale: number[]) => b + row.reduce((a, id, j) => a + (w[id] as number) * (scale[j] as number), 0);
    const linOut = (lin.apply([ids, ones]) as tf.Tensor).arraySync() as number[][];
    expect(linOut[1]?.[0]).toBeCloseTo(byHand([2, 5, 11], [1, 1, 1]), 6);
    // the check is per data: values assigned a 2.5 later are scaled
    ones.assign(tf.tensor2d([[1, 1, 1], [1, 2.5, 1]]));
    const scaled = (emb.apply([ids, ones]) as tf.Tensor).arraySync() as number[][][];
    (scaled[1]?.[1] ?? []).forEach((x, c) => expect(x).toBeCloseTo(2.5 * ((plain as number[][][])[1]?.[1]?.[c] as number), 6));
    expect(scaled[0]).toEqual((plain as number[][][])[0]);
    expect(((lin.apply([ids, ones]) as tf.Tensor).arraySync() as number[][])[1]?.[0]).toBeCloseTo(byHand([2, 5, 11], [1, 2.5, 1]), 6);
    await tf.setBackend('cpu');
  });

  it('names its weights for the trainer', () => {
    const lin = featuresLinear({ fieldDims });
    lin.apply([tf.zeros([1, 3], 'int32'), tf.zeros([1, 3])]);
    expect(lin.weights.map((w) => w.name.split('/').pop())).toEqual(['linear', 'bias']);
    expect(lin.weights.map((w) => w.shape)).toEqual([[n, 1], [1]]);
  });

  it('rejects bad fieldDims with a clear message', () => {
    expect(() => featuresEmbedding({ fieldDims: [3, 0], embeddingDim: 2 })).toThrow(/fieldDims\[1\] must be a positive integer/);
    expect(() => featuresLinear({ fieldDims: [] })).toThrow(/non-empty/);
  });
});

describe('FactorizationMachine', () => {
  it('equals the brute-force pairwise sum, with multi-hot slots and padding', () => {
    const batch = randomBatch(fieldDims, 16, 6, 3);
    const rnd = Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, f) => Math.sin(i * 4 + f + 1)));
    const table = tf.tensor2d(rnd);
    const emb = tf.gather(table, tf.tensor2d(batch.ids, undefined, 'int32'));
    const out = (factorizationMachine().apply([emb, tf.tensor2d(batch.values)]) as tf.Tensor).arraySync() as number[][];
    batch.ids.forEach((ids, b) => {
      expect(out[b]?.[0]).toBeCloseTo(bruteForceFM(rnd, ids, batch.values[b] as number[]), 4);
    });
  });

  it('with reduceSum false returns the bi-interaction vector whose sum is the FM term', () => {
    const emb = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 2);
    const values = tf.tensor2d([[1, 1, 0, 0], [0.5, 2, 1, 0], [1, 1, 1, 1]]);
    const vec = new FactorizationMachine({ reduceSum: false }).apply([emb, values]) as tf.Tensor;
    const sum = factorizationMachine().apply([emb, values]) as tf.Tensor;
    expect(vec.shape).toEqual([3, 5]);
    const a = tf.sum(vec, -1).dataSync();
    const s = sum.dataSync();
    a.forEach((x, i) => expect(x).toBeCloseTo(s[i] as number, 5));
  });
});

describe('FieldAwareFactorizationMachine', () => {
  it('equals the brute-force field-aware pairwise sum, with multi-hot slots and padding', () => {
    const k = 3;
    const F = fieldDims.length;
    const layer = fieldAwareFactorizationMachine({ fieldDims, embeddingDim: k, seed: 5, initStd: 0.5 });
    const batch = randomBatch(fieldDims, 12, 7, 11);
    const ids = tf.tensor2d(batch.ids, undefined, 'int32');
    const values = tf.tensor2d(batch.values);
    const out = (layer.apply([ids, values]) as tf.Tensor).arraySync() as number[][];
    const table = rows2d(layer.getWeights()[0] as tf.Tensor);
    expect(table[0]?.length).toBe(F * k);
    expect(layer.weights[0]?.name.split('/').pop()).toBe('embedding');
    batch.ids.forEach((row, b) => {
      expect(out[b]?.[0]).toBeCloseTo(bruteForceFFM(table, fieldDims, k, row, batch.values[b] as number[]), 4);
    });
  });
});

describe('models', () => {
  it('FM model = bias + linear + pairwise term, computed by hand from its weights', () => {
    const model = createFM({ fieldDims, embeddingDim: 4, width: 5, seed: 9, initStd: 0.3 });
    const [linear, bias, embedding] = ['linear', 'bias', 'embedding'].map(
      (name) => model.weights.find((w) => w.name.split('/').pop() === name) as tf.LayerVariable,
    ) as [tf.LayerVariable, tf.LayerVariable, tf.LayerVariable];
    linear.write(tf.randomNormal([n, 1], 0, 1, 'float32', 4));
    bias.write(tf.tensor1d([0.4]));
    const batch = randomBatch(fieldDims, 8, 5, 21);
    const out = (model.predict([tf.tensor2d(batch.ids, undefined, 'int32'), tf.tensor2d(batch.values)]) as tf.Tensor).arraySync() as number[][];
    const v = rows2d(embedding.read());
    const w = linear.read().dataSync();
    batch.ids.forEach((ids, b) => {
      const x = batch.values[b] as number[];
      let ref = 0.4 + bruteForceFM(v, ids, x);
      ids.forEach((id, s) => (ref += (w[id] as number) * (x[s] as number)));
      expect(out[b]?.[0]).toBeCloseTo(ref, 4);
    });
  });

  it('seeded init is deterministic and different seeds differ', () => {
    const a = createFM({ fieldDims, seed: 3 });
    const b = createFM({ fieldDims, seed: 3 });
    const c = createFM({ fieldDims, seed: 4 });
    const emb = (m: tf.LayersModel) => (m.weights.find((w) => w.name.endsWith('embedding')) as tf.LayerVariable).read().dataSync();
    expect(Array.from(emb(a))).toEqual(Array.from(emb(b)));
    expect(Array.from(emb(a))).not.toEqual(Array.from(emb(c)));
  });

  it('LR output shape is [B, 1]', () => {
    const model = createLR({ fieldDims });
    const out = model.predict([tf.zeros([5, 3], 'int32'), tf.ones([5, 3])]) as tf.Tensor;
    expect(out.shape).toEqual([5, 1]);
  });
});
