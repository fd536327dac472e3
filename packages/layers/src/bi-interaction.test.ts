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
  it('equals the brute-force Σ_{i<j} x_i ⊙ x_j and the composed ops', async () => {
    await tf.setBackend(backend);
    const x = randomVariable([3, 5, 4], 4);
    const out = biInteraction(x);
    expect(out.shape).toEqual([3, 4]);
    const xs = x.arraySync() as number[][][];
    const got = out.arraySync();
    for (let b = 0; b < 3; b++) {
      for (let c = 0; c < 4; c++) {
        let ref = 0;
        for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) ref += (xs[b]?.[i]?.[c] as number) * (xs[b]?.[j]?.[c] as number);
        expect(got[b]?.[c]).toBeCloseTo(ref, 5);
      }
    }
    expect(maxAbsDiff(out, withoutKernels(KERNELS, () => biInteraction(x)))).toBeLessThan(1e-5);
  });

  it('has the gradient of central finite differences, equal to that of the composed ops', async () => {
    await tf.setBackend(backend);
    const x = randomVariable([2, 4, 3], 5);
    const weights = tf.randomNormal([2, 3], 0, 1, 'float32', 6);
    const f = () => tf.sum(tf.mul(tf.sin(biInteraction(x)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    expect(maxAbsDiff(tf.grad(() => f())(x), withoutKernels(KERNELS, () => tf.grad(() => f())(x)))).toBeLessThan(1e-5);
  });
});
