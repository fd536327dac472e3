import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressedInteractionNetwork } from './index.js';
import { gradientCheckFails, layerGradientChecks } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * xDeepFM eq. 6-8 by loops over (example, map j, previous map h, slot i, dimension d); kernels `[H_{l−1}·m][H_l]`
 * with row h·m + i = W^l_{·,h,i}. Split layers send their first half to the output, the second half on.
 */
function cinByLoops(x0: number[][], kernels: number[][][], sizes: number[], splitHalf: boolean, relu: boolean): number[] {
  const m = x0.length;
  const k = (x0[0] as number[]).length;
  let previous = x0;
  const pooled: number[] = [];
  sizes.forEach((size, l) => {
    const kernel = kernels[l] as number[][];
    const maps: number[][] = [];
    for (let j = 0; j < size; j++) {
      const row: number[] = [];
      for (let d = 0; d < k; d++) {
        let s = 0;
        previous.forEach((prev, h) => {
          for (let i = 0; i < m; i++) s += (kernel[h * m + i]?.[j] as number) * (prev[d] as number) * (x0[i]?.[d] as number);
        });
        row.push(relu ? Math.max(0, s) : s);
      }
      maps.push(row);
    }
    const split = splitHalf && l < sizes.length - 1;
    const out = split ? maps.slice(0, size / 2) : maps;
    previous = split ? maps.slice(size / 2) : maps;
    for (const map of out) pooled.push(map.reduce((a, b) => a + b, 0));
  });
  return pooled;
}

describe('CompressedInteractionNetwork', () => {
  // m = 4 slots, k = 3; sizes [6, 2, 5] take both matMul orders (H_l ≥ H_{l−1} and H_l < H_{l−1})
  const emb = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 1);

  it.each([
    [true, 'linear'],
    [false, 'linear'],
    [true, 'relu'],
  ] as const)('matches the explicit triple loops (splitHalf %s, %s)', (splitHalf, activation) => {
    const sizes = [6, 2, 5];
    const layer = compressedInteractionNetwork({ layerSizes: sizes, splitHalf, activation, seed: 2 });
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][];
    expect(out[0]?.length).toBe(layer.outputSize());
    expect(layer.outputSize()).toBe(splitHalf ? 3 + 1 + 5 : 13);
    expect(layer.weights.map((w) => w.shape)).toEqual(splitHalf ? [[16, 6], [12, 2], [4, 5]] : [[16, 6], [24, 2], [8, 5]]);
    const kernels = layer.getWeights().map((w) => w.arraySync()) as number[][][];
    const x = emb.arraySync() as number[][][];
    x.forEach((example, b) => {
      const ref = cinByLoops(example, kernels, sizes, splitHalf, activation === 'relu');
      ref.forEach((v, j) => expect(out[b]?.[j]).toBeCloseTo(v, 4));
    });
  });

  it('padding rows (zero embeddings) change nothing', () => {
    const layer = compressedInteractionNetwork({ layerSizes: [4, 2], seed: 3 });
    const padded = tf.concat([emb, tf.zeros([2, 1, 3])], 1);
    const a = (layer.apply(padded) as tf.Tensor).arraySync() as number[][];
    const kernels = layer.getWeights().map((w) => w.arraySync()) as number[][][];
    const x = padded.arraySync() as number[][][];
    x.forEach((example, b) => cinByLoops(example, kernels, [4, 2], true, false).forEach((v, j) => expect(a[b]?.[j]).toBeCloseTo(v, 4)));
  });

  it('gradients of every weight match finite differences', () => {
    const layer = compressedInteractionNetwork({ layerSizes: [6, 2, 5], seed: 4 });
    expect(gradientCheckFails(layerGradientChecks(layer, emb))).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => compressedInteractionNetwork({ layerSizes: [] })).toThrow(/layerSizes/);
    expect(() => compressedInteractionNetwork({ layerSizes: [3, 2] })).toThrow(/must be even/);
    expect(() => compressedInteractionNetwork({ layerSizes: [2], activation: 'tanh' as 'relu' })).toThrow(/activation/);
  });
});
