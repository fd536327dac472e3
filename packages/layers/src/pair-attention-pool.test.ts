import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { pairAttentionPool } from './pair-attention-pool.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmPairAttentionPool', 'FmAttentionPool', 'FmPairProducts'];

describe.each(['cpu', 'wasm'])('pairAttentionPool on %s', (backend) => {
  // k = 8: the SIMD kernels on wasm (simd-pairs.ts); k = 3: the TypeScript loops
  it.each([3, 8])('equals Σ_{i<j} a_ij x_i ⊙ x_j and the composed ops (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const [batch, width] = [3, 5];
    const x = randomVariable([batch, width, k], 20);
    const a = randomVariable([batch, (width * (width - 1)) / 2], 21);
    // a zero weight (a masked pair) is skipped by the kernels: it must still contribute nothing
    const weights = a.arraySync() as number[][];
    (weights[1] as number[])[2] = 0;
    a.assign(tf.tensor2d(weights));
    const out = pairAttentionPool(x, a);
    const xs = x.arraySync() as number[][][];
    const got = out.arraySync();
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < k; c++) {
        let ref = 0;
        for (let i = 0, p = 0; i < width; i++) {
          for (let j = i + 1; j < width; j++, p++) ref += (weights[b]?.[p] as number) * (xs[b]?.[i]?.[c] as number) * (xs[b]?.[j]?.[c] as number);
        }
        expect(got[b]?.[c]).toBeCloseTo(ref, 5);
      }
    }
    expect(maxAbsDiff(out, withoutKernels(KERNELS, () => pairAttentionPool(x, a)))).toBeLessThan(1e-5);
  });

  it.each([3, 8])('has the gradients of central finite differences in both inputs, as the composed ops (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const x = randomVariable([2, 4, k], 22);
    const a = randomVariable([2, 6], 23);
    const weights = tf.randomNormal([2, k], 0, 1, 'float32', 24);
    const f = () => tf.sum(tf.mul(tf.sin(pairAttentionPool(x, a)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x, a], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const grads = tf.grads(() => f())([x, a]);
    const composed = withoutKernels(KERNELS, () => tf.grads(() => f())([x, a]));
    grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
  });

  it('rejects weights that do not have one column per pair', async () => {
    await tf.setBackend(backend);
    expect(() => pairAttentionPool(tf.zeros([2, 4, 3]), tf.zeros([2, 5]))).toThrow(/W\(W−1\)\/2/);
  });
});
