import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { attentionPool } from './attention-pool.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmAttentionPool'];

describe.each(['cpu', 'wasm'])('attentionPool on %s', (backend) => {
  // k = 8: the SIMD kernels on wasm (simd-pairs.ts); k = 3: the TypeScript loops
  it.each([3, 8])('equals Σ_p a_p · pairs_p and the composed ops (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const pairs = randomVariable([2, 3, k], 10);
    const a = randomVariable([2, 3], 11);
    const out = attentionPool(pairs, a);
    const x = pairs.arraySync() as number[][][];
    const w = a.arraySync() as number[][];
    const got = out.arraySync();
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < k; c++) {
        let ref = 0;
        for (let p = 0; p < 3; p++) ref += (w[b]?.[p] as number) * (x[b]?.[p]?.[c] as number);
        expect(got[b]?.[c]).toBeCloseTo(ref, 5);
      }
    }
    expect(maxAbsDiff(out, withoutKernels(KERNELS, () => attentionPool(pairs, a)))).toBeLessThan(1e-5);
  });

  it.each([3, 8])('has the gradients of central finite differences in both inputs, as the composed ops (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const pairs = randomVariable([2, 3, k], 12);
    const a = randomVariable([2, 3], 13);
    const weights = tf.randomNormal([2, k], 0, 1, 'float32', 14);
    const f = () => tf.sum(tf.mul(tf.sin(attentionPool(pairs, a)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [pairs, a], { count: 10, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const grads = tf.grads(() => f())([pairs, a]);
    const composed = withoutKernels(KERNELS, () => tf.grads(() => f())([pairs, a]));
    grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
  });
});
