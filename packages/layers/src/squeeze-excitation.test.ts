import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { squeezeExcitation } from './index.js';
import { gradientCheckFails, layerGradientChecks, matMulJs } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SqueezeExcitation', () => {
  const emb = tf.randomNormal([3, 6, 4], 0, 1, 'float32', 1);

  it('re-weights each slot by ReLU(W2 ReLU(W1 mean_k e)) computed by loops', () => {
    const layer = squeezeExcitation({ reduction: 3, seed: 2 });
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][][];
    expect(layer.weights.map((w) => w.shape)).toEqual([[6, 2], [2, 6]]);
    const [w1, w2] = layer.getWeights().map((t) => t.arraySync()) as [number[][], number[][]];
    const e = emb.arraySync() as number[][][];
    e.forEach((example, b) => {
      const z = [example.map((row) => row.reduce((a, c) => a + c, 0) / row.length)];
      const hidden = matMulJs(z, w1).map((r) => r.map((x) => Math.max(0, x)));
      const a = (matMulJs(hidden, w2)[0] as number[]).map((x) => Math.max(0, x));
      example.forEach((row, i) => row.forEach((v, c) => expect(out[b]?.[i]?.[c]).toBeCloseTo(v * (a[i] as number), 5)));
    });
  });

  it('gradients of every weight match finite differences', () => {
    expect(gradientCheckFails(layerGradientChecks(squeezeExcitation({ reduction: 2, seed: 3 }), emb))).toEqual([]);
  });

  it('rejects a reduction below 1', () => {
    expect(() => squeezeExcitation({ reduction: 0.5 })).toThrow(/reduction/);
  });
});
