import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './index.js';
import { normalDraws, randomNormalTensor, randomNormalValues } from './random-normal-values.js';

describe('randomNormalValues', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    [1, 0.01, 0],
    [7, 1, 2.5],
    [1000, 0.1, 0],
    [31 * 5 + 17, 0.3, -1],
    [123456789, 0.05, 0],
  ])('seed %s: bit for bit what tf.randomNormal draws', (seed, std, mean) => {
    for (const n of [1, 2, 5, 1000]) {
      const want = tf.randomNormal([n], mean, std, 'float32', seed);
      expect(Array.from(randomNormalValues(n, mean, std, seed))).toEqual(Array.from(want.dataSync()));
      want.dispose();
    }
  });

  it('normalDraws in pieces of any sizes (odd ones split a pair) gives tf.randomNormal of the whole, bit for bit', () => {
    const n = 1001;
    const want = tf.randomNormal([n], 0.2, 0.7, 'float32', 9);
    for (const pieces of [[1001], [1, 1000], [3, 5, 7, 986], [2, 999], [500, 0, 501], [1000, 1]]) {
      const draw = normalDraws(0.2, 0.7, 9);
      const out = new Float32Array(n);
      let at = 0;
      for (const len of pieces) {
        draw(out, at, at + len);
        at += len;
      }
      expect(Array.from(out)).toEqual(Array.from(want.dataSync()));
    }
    want.dispose();
  });

  it('draws N(mean, std²): moments of 200k values', () => {
    const x = randomNormalValues(200_000, 0.5, 2, 11);
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const v = x.reduce((s, y) => s + (y - m) ** 2, 0) / x.length;
    const third = x.reduce((s, y) => s + (y - m) ** 3, 0) / x.length / v ** 1.5;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.02); // sd of the mean: 2 / √200k ≈ 0.0045
    expect(Math.abs(Math.sqrt(v) - 2)).toBeLessThan(0.02);
    expect(Math.abs(third)).toBeLessThan(0.05);
  });

  it('an unseeded draw differs from call to call, as tfjs', () => {
    expect(Array.from(randomNormalValues(4, 0, 1, undefined))).not.toEqual(Array.from(randomNormalValues(4, 0, 1, undefined)));
  });

  it.each(['cpu', 'wasm'])('%s: randomNormalTensor holds those values in its shape, in storage of its own', async (backend) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const t = randomNormalTensor([37, 6], 0.25, 0.1, 5);
    expect(t.shape).toEqual([37, 6]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(randomNormalValues(37 * 6, 0.25, 0.1, 5)));
    expect(tf.memory().numTensors).toBe(before + 1);
    // one tensor on its storage: a table can later be written in place
    expect((tf.backend() as unknown as { refCount(id: object): number }).refCount(t.dataId)).toBe(1);
    const a = randomNormalTensor([4], 0, 1, undefined);
    const b = randomNormalTensor([4], 0, 1, undefined);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    tf.dispose([t, a, b]);
    await tf.setBackend('cpu');
  });

  it.each(['cpu', 'wasm'])("%s: a seeded layer's table is the one tfjs's initialiser draws", async (backend) => {
    await tf.setBackend(backend);
    const model = createModel('fm', { fieldDims: [3, 5], embeddingDim: 4, seed: 9 });
    const table = model.weights.find((w) => w.originalName.endsWith('embedding')) as tf.LayerVariable;
    const seed = (table as unknown as { read(): tf.Tensor }).read();
    // the layer's seed for its table, and tfjs's own initialiser with it
    const layer = model.layers.find((l) => l.getClassName() === 'FeaturesEmbedding') as unknown as { seed: number; initStd: number };
    const stock = tf.randomNormal(seed.shape, 0, layer.initStd, 'float32', layer.seed);
    expect(Array.from(seed.dataSync())).toEqual(Array.from(stock.dataSync()));
    stock.dispose();
    model.dispose();
    await tf.setBackend('cpu');
  });
});
