import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { concatColumns } from './concat-columns.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmConcatColumns'];

describe.each(['cpu', 'wasm'])('concatColumns on %s', (backend) => {
  it('puts each row of every input side by side, as tf.concat on the last axis', async () => {
    await tf.setBackend(backend);
    const a = tf.tensor3d([[[1, 2], [3, 4]]]);
    const b = tf.tensor3d([[[5], [6]]]);
    const c = tf.tensor3d([[[7, 8, 9], [10, 11, 12]]]);
    const out = concatColumns([a, b, c]);
    expect(out.arraySync()).toEqual([[[1, 2, 5, 7, 8, 9], [3, 4, 6, 10, 11, 12]]]);
    expect(maxAbsDiff(out, withoutKernels(KERNELS, () => concatColumns([a, b, c])))).toBe(0);
  });

  it('has the gradients of central finite differences, as tf.concat', async () => {
    await tf.setBackend(backend);
    const parts = [randomVariable([2, 3, 4], 50), randomVariable([2, 3, 2], 51), randomVariable([2, 3, 3], 52)];
    const weights = tf.randomNormal([2, 3, 9], 0, 1, 'float32', 53);
    const f = () => tf.sum(tf.mul(tf.sin(concatColumns(parts)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, parts, { count: 6, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const grads = tf.grads(() => f())(parts);
    const composed = withoutKernels(KERNELS, () => tf.grads(() => f())(parts));
    grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-6));
  });

  it('rejects tensors whose leading dimensions differ', async () => {
    await tf.setBackend(backend);
    expect(() => concatColumns([tf.zeros([2, 3]), tf.zeros([3, 3])])).toThrow(/leading|float32 \[2/);
  });
});
