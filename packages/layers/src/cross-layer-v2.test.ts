import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossLayerV2 } from './index.js';
import { gradientCheckFails, layerGradientChecks, matMulJs } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** x0 ⊙ (W x_l + b) + x_l by loops; `kernel` is `[D][D]` in the layer's row-vector layout (x_l W). */
function crossV2ByLoops(x0: number[], xl: number[], kernel: number[][], b: number[]): number[] {
  return x0.map((x0i, i) => {
    let wx = b[i] as number;
    xl.forEach((x, j) => (wx += x * (kernel[j]?.[i] as number)));
    return x0i * wx + (xl[i] as number);
  });
}

describe('CrossLayerV2', () => {
  const x0 = tf.randomNormal([3, 5], 0, 1, 'float32', 1);
  const xl = tf.randomNormal([3, 5], 0, 1, 'float32', 2);
  const a0 = x0.arraySync() as number[][];
  const al = xl.arraySync() as number[][];

  it('full rank matches x0 ⊙ (W x_l + b) + x_l by loops', () => {
    const layer = crossLayerV2({ seed: 3 });
    layer.apply([x0, xl]);
    layer.setWeights([tf.randomNormal([5, 5], 0, 1, 'float32', 4), tf.randomNormal([5], 0, 1, 'float32', 5)]);
    const [kernel, bias] = layer.getWeights().map((t) => t.arraySync()) as [number[][], number[]];
    const out = (layer.apply([x0, xl]) as tf.Tensor).arraySync() as number[][];
    a0.forEach((row, r) => crossV2ByLoops(row, al[r] as number[], kernel, bias).forEach((v, i) => expect(out[r]?.[i]).toBeCloseTo(v, 4)));
    expect(layer.weights.map((w) => w.name.split('/').pop())).toEqual(['cross_kernel', 'cross_bias']);
  });

  it('low rank r: kernel U V [D, r]·[r, D], same formula with W = U V', () => {
    const layer = crossLayerV2({ rank: 2, seed: 3 });
    layer.apply([x0, xl]);
    layer.setWeights([tf.randomNormal([5, 2], 0, 1, 'float32', 6), tf.randomNormal([2, 5], 0, 1, 'float32', 7), tf.randomNormal([5], 0, 1, 'float32', 8)]);
    const [u, v, bias] = layer.getWeights().map((t) => t.arraySync()) as [number[][], number[][], number[]];
    expect(layer.weights.map((w) => w.shape)).toEqual([[5, 2], [2, 5], [5]]);
    const kernel = matMulJs(u, v);
    const single = (layer.apply(x0) as tf.Tensor).arraySync() as number[][];
    a0.forEach((row, r) => crossV2ByLoops(row, row, kernel, bias).forEach((val, i) => expect(single[r]?.[i]).toBeCloseTo(val, 4)));
  });

  it.each([[undefined], [2]])('gradients of every weight match finite differences (rank %s)', (rank) => {
    const layer = crossLayerV2({ seed: 4, ...(rank === undefined ? {} : { rank }) });
    expect(gradientCheckFails(layerGradientChecks(layer, [x0, xl]))).toEqual([]);
  });

  it('rejects a bad rank', () => {
    expect(() => crossLayerV2({ rank: 0 })).toThrow(/rank must be a positive integer/);
  });
});
