import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { biInteraction } from './bi-interaction.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmBiInteraction'];

describe.each(['cpu', 'wasm'])('biInteraction on %s', (backend) => {
  // k = 4 and 16: the SIMD kernels on wasm (one and four vectors of lanes); k = 3: the TypeScript loops
  it.each([[3, 5, 4], [2, 7, 16], [2, 3, 3]])('equals the brute-force Σ_{i<j} x_i ⊙ x_j and the composed ops (x [%i, %i, %i])', async (B, W, k) => {
    await tf.setBackend(backend);
    const x = randomVariable([B, W, k], 4);
    const out = biInteraction(x);
    expect(out.shape).toEqual([B, k]);
    const xs = x.arraySync() as number[][][];
    const got = out.arraySync();
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < k; c++) {
        let ref = 0;
        for (let i = 0; i < W; i++) for (let j = i + 1; j < W; j++) ref += (xs[b]?.[i]?.[c] as number) * (xs[b]?.[j]?.[c] as number);
        expect(got[b]?.[c]).toBeCloseTo(ref, 5);
      }
    }
    expect(maxAbsDiff(out, withoutKernels(KERNELS, () => biInteraction(x)))).toBeLessThan(1e-5);
  });

  it.each([3, 8])('has the gradient of central finite differences, equal to that of the composed ops (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const x = randomVariable([2, 4, k], 5);
    const weights = tf.randomNormal([2, k], 0, 1, 'float32', 6);
    const f = () => tf.sum(tf.mul(tf.sin(biInteraction(x)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    expect(maxAbsDiff(tf.grad(() => f())(x), withoutKernels(KERNELS, () => tf.grad(() => f())(x)))).toBeLessThan(1e-5);
  });
});
