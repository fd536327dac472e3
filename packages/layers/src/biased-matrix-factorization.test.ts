import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { biasedMatrixFactorization, createMF } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BiasedMatrixFactorization', () => {
  const fieldDims = [3, 4];

  function setWeights(layer: tf.layers.Layer): { P: number[][]; b: number[]; mu: number } {
    const P = Array.from({ length: 7 }, (_, i) => [Math.sin(i + 1), Math.cos(i + 2)]);
    const b = Array.from({ length: 7 }, (_, i) => i / 7 - 0.5);
    const mu = 3.2;
    layer.setWeights([tf.tensor2d(P), tf.tensor2d(b, [7, 1]), tf.tensor1d([mu])]);
    return { P, b, mu };
  }

  it('scores μ + b_u + b_i + ⟨p_u, q_i⟩ (hand-computed)', () => {
    const layer = biasedMatrixFactorization({ fieldDims, embeddingDim: 2, seed: 1 });
    const ids = tf.tensor2d([[0, 3], [2, 6]], [2, 2], 'int32');
    const values = tf.ones([2, 2]);
    layer.apply([ids, values]);
    const { P, b, mu } = setWeights(layer);
    const out = (layer.apply([ids, values]) as tf.Tensor).dataSync();
    const ref = (u: number, i: number) => mu + (b[u] as number) + (b[i] as number) + (P[u]?.[0] as number) * (P[i]?.[0] as number) + (P[u]?.[1] as number) * (P[i]?.[1] as number);
    expect(out[0]).toBeCloseTo(ref(0, 3), 5);
    expect(out[1]).toBeCloseTo(ref(2, 6), 5);
    expect(layer.weights.map((w) => w.name.split('/').pop())).toEqual(['embedding', 'linear', 'bias']);
  });

  it('squashes into ratingRange with a scaled sigmoid', () => {
    const layer = biasedMatrixFactorization({ fieldDims, embeddingDim: 2, ratingRange: [1, 5] });
    const ids = tf.tensor2d([[1, 4]], [1, 2], 'int32');
    const values = tf.ones([1, 2]);
    layer.apply([ids, values]);
    const { P, b, mu } = setWeights(layer);
    const s = mu + (b[1] as number) + (b[4] as number) + (P[1]?.[0] as number) * (P[4]?.[0] as number) + (P[1]?.[1] as number) * (P[4]?.[1] as number);
    const out = (layer.apply([ids, values]) as tf.Tensor).dataSync();
    expect(out[0]).toBeCloseTo(1 + 4 / (1 + Math.exp(-s)), 5);
  });

  it('rejects ids that are not [B, 2] and bad options', () => {
    const model = createMF({ fieldDims, embeddingDim: 2 });
    expect(() => model.predict([tf.zeros([1, 3], 'int32'), tf.ones([1, 3])])).toThrow(/shape/);
    expect(() => biasedMatrixFactorization({ fieldDims: [3], embeddingDim: 2 })).toThrow(/user field and an item field/);
    expect(() => biasedMatrixFactorization({ fieldDims, embeddingDim: 2, ratingRange: [5, 1] })).toThrow(/ratingRange/);
  });
});
