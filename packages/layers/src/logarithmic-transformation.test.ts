import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logarithmicTransformation } from './index.js';
import { gradientCheckFails, layerGradientChecks } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LogarithmicTransformation', () => {
  const emb = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 1);
  const values = tf.tensor2d([[1, 0.5, 2, 1], [1, 1.5, 0, 0]]);

  it('neuron j, dimension c is Π_i (|e_ic| + ε)^{w_ij} over the live slots (a product, by loops)', () => {
    const layer = logarithmicTransformation({ units: 5, seed: 2 });
    const out = (layer.apply([emb, values]) as tf.Tensor).arraySync() as number[][][];
    expect(layer.computeOutputShape([[null, 4, 3], [null, 4]])).toEqual([null, 5, 3]);
    const w = layer.getWeights()[0]?.arraySync() as number[][];
    const e = emb.arraySync() as number[][][];
    const x = values.arraySync();
    e.forEach((example, b) => {
      for (let j = 0; j < 5; j++) {
        for (let c = 0; c < 3; c++) {
          let product = 1;
          example.forEach((row, i) => {
            if (x[b]?.[i] !== 0) product *= (Math.abs(row[c] as number) + 1e-7) ** (w[i]?.[j] as number);
          });
          expect(out[b]?.[j]?.[c]).toBeCloseTo(product, 4);
        }
      }
    });
  });

  it('with w = one-hot rows it reproduces a cross feature: w_0j = w_1j = 1 gives |e_0| ⊙ |e_1|', () => {
    const layer = logarithmicTransformation({ units: 1 });
    layer.apply(emb);
    layer.setWeights([tf.tensor2d([[1], [1], [0], [0]])]);
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][][];
    const e = emb.arraySync() as number[][][];
    e.forEach((example, b) => example[0]?.forEach((v, c) => expect(out[b]?.[0]?.[c]).toBeCloseTo(Math.abs(v) * Math.abs(example[1]?.[c] as number), 4)));
  });

  it('gradients of every weight match finite differences', () => {
    const layer = logarithmicTransformation({ units: 3, seed: 4 });
    layer.apply([emb, values]);
    layer.setWeights([tf.mul(layer.getWeights()[0] as tf.Tensor, 0.3)]); // keep exp moderate for float32 differences
    expect(gradientCheckFails(layerGradientChecks(layer, [emb, values]))).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => logarithmicTransformation({ units: 0 })).toThrow(/units/);
    expect(() => logarithmicTransformation({ units: 2, epsilon: 0 })).toThrow(/epsilon/);
  });
});
