import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiLayerPerceptron } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function dense(x: number[][], W: number[][], b: number[]): number[][] {
  return x.map((row) => b.map((bias, o) => row.reduce((acc, v, i) => acc + v * (W[i]?.[o] as number), bias)));
}

describe('MultiLayerPerceptron', () => {
  it('computes ReLU(x W0 + b0) W1 + b1 as a plain-JS reference does, flattening [B, W, k]', () => {
    const mlp = multiLayerPerceptron({ hiddenUnits: [3], outputUnits: 1, seed: 2 });
    const x = tf.randomNormal([4, 2, 2], 0, 1, 'float32', 5);
    const out = (mlp.apply(x) as tf.Tensor).arraySync() as number[][];
    const [W0, b0, W1, b1] = mlp.getWeights().map((t) => t.arraySync()) as [number[][], number[], number[][], number[]];
    const flat = (x.arraySync() as number[][][]).map((r) => r.flat());
    const ref = dense(dense(flat, W0, b0).map((r) => r.map((v) => Math.max(0, v))), W1, b1);
    ref.forEach((r, b) => expect(out[b]?.[0]).toBeCloseTo(r[0] as number, 5));
    expect(mlp.weights.map((w) => w.name.split('/').pop())).toEqual(['dense_kernel_0', 'dense_bias_0', 'dense_kernel_out', 'dense_bias_out']);
  });

  it('batch norm uses batch statistics in training, updates the moving ones, and uses them at inference', () => {
    const mlp = multiLayerPerceptron({ hiddenUnits: [2], batchNorm: true, momentum: 0.5, seed: 1 });
    const x = tf.tensor2d([[1, 2], [3, -1], [0, 4]]);
    mlp.apply(x);
    const [W, b] = mlp.getWeights().map((t) => t.arraySync()) as [number[][], number[]];
    const h = dense(x.arraySync(), W, b);
    const train = (mlp.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][];
    for (let o = 0; o < 2; o++) {
      const col = h.map((r) => r[o] as number);
      const mean = col.reduce((a, c) => a + c, 0) / 3;
      const variance = col.reduce((a, c) => a + (c - mean) ** 2, 0) / 3;
      col.forEach((c, r) => expect(train[r]?.[o]).toBeCloseTo(Math.max(0, (c - mean) / Math.sqrt(variance + 1e-3)), 4));
      const movingMean = (mlp.getWeights()[4] as tf.Tensor).dataSync()[o] as number;
      expect(movingMean).toBeCloseTo(0.5 * mean, 5);
    }
    const movingMean = (mlp.getWeights()[4] as tf.Tensor).dataSync();
    const movingVar = (mlp.getWeights()[5] as tf.Tensor).dataSync();
    const infer = (mlp.apply(x) as tf.Tensor).arraySync() as number[][];
    h.forEach((row, r) =>
      row.forEach((c, o) =>
        expect(infer[r]?.[o]).toBeCloseTo(Math.max(0, (c - (movingMean[o] as number)) / Math.sqrt((movingVar[o] as number) + 1e-3)), 4),
      ),
    );
    expect(mlp.trainableWeights.length).toBe(4);
  });

  it('rejects an empty network', () => {
    expect(() => multiLayerPerceptron({ hiddenUnits: [] })).toThrow(/at least one/);
  });
});
