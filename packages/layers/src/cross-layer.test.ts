import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossLayer } from './index.js';
import { gradientCheckFails, layerGradientChecks } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** x_{l+1} = x0 x_lᵀ w + b + x_l with the D×D outer product formed explicitly. */
function crossByLoops(x0: number[], xl: number[], w: number[], b: number[]): number[] {
  const d = x0.length;
  return x0.map((_, i) => {
    let viaOuter = 0;
    for (let j = 0; j < d; j++) viaOuter += (x0[i] as number) * (xl[j] as number) * (w[j] as number); // (x0 x_lᵀ)_{ij} w_j
    return viaOuter + (b[i] as number) + (xl[i] as number);
  });
}

describe('CrossLayer', () => {
  const x0 = tf.randomNormal([3, 2, 3], 0, 1, 'float32', 1); // flattened to D = 6
  const xl = tf.randomNormal([3, 6], 0, 1, 'float32', 2);

  it('matches x0 x_lᵀ w + b + x_l computed through the explicit outer product, for [x0, xl] and for x0 alone', () => {
    const layer = crossLayer({ seed: 4 });
    layer.apply([x0, xl]);
    layer.setWeights([tf.randomNormal([6, 1], 0, 1, 'float32', 5), tf.randomNormal([6], 0, 1, 'float32', 6)]);
    const [w, b] = layer.getWeights().map((t) => Array.from(t.dataSync()));
    const a0 = x0.reshape([3, 6]).arraySync() as number[][];
    const al = xl.arraySync() as number[][];
    const pair = (layer.apply([x0, xl]) as tf.Tensor).arraySync() as number[][];
    const single = (layer.apply(x0) as tf.Tensor).arraySync() as number[][];
    expect(layer.computeOutputShape([[null, 2, 3], [null, 6]])).toEqual([null, 6]);
    for (let r = 0; r < 3; r++) {
      crossByLoops(a0[r] as number[], al[r] as number[], w as number[], b as number[]).forEach((v, i) => expect(pair[r]?.[i]).toBeCloseTo(v, 5));
      crossByLoops(a0[r] as number[], a0[r] as number[], w as number[], b as number[]).forEach((v, i) => expect(single[r]?.[i]).toBeCloseTo(v, 5));
    }
  });

  it('a stack of L layers is a polynomial of degree L + 1 in x0: scaling x0 by t scales the pure cross part by t^(L+1)', () => {
    // with b = 0 and the same w, x1 = x0 (1 + x0·w); x2 = x0 (x1·w) + x1: every term has degree ≤ 3, and the top
    // coefficient is the one of t³; checked through the 3rd finite difference in t, which is exactly 6 × coefficient
    const layers = [crossLayer({ seed: 1 }), crossLayer({ seed: 2 })];
    const v = tf.randomNormal([1, 4], 0, 1, 'float32', 9);
    const at = (t: number) => {
      const s = tf.mul(v, t);
      const x1 = layers[0]?.apply(s) as tf.Tensor;
      return (layers[1]?.apply([s, x1]) as tf.Tensor).dataSync()[0] as number;
    };
    at(1);
    layers.forEach((l) => l.setWeights([tf.randomNormal([4, 1], 0, 1, 'float32', 3), tf.zeros([4])]));
    const fourth = (h: number) => at(2 * h) - 4 * at(h) + 6 * at(0) - 4 * at(-h) + at(-2 * h);
    expect(Math.abs(fourth(0.5))).toBeLessThan(1e-4); // degree ≤ 3: the 4th difference vanishes
    const third = at(1.5) - 3 * at(0.5) + 3 * at(-0.5) - at(-1.5);
    expect(Math.abs(third)).toBeGreaterThan(1e-3); // and the cubic term is there
  });

  it('gradients of every weight match finite differences', () => {
    const layer = crossLayer({ seed: 4 });
    expect(gradientCheckFails(layerGradientChecks(layer, [x0, xl]))).toEqual([]);
  });

  it('rejects inputs of different sizes', () => {
    expect(() => crossLayer().apply([x0, tf.zeros([3, 5])])).toThrow(/x0 has 6 entries per example, xl 5/);
  });
});
