import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { pairSoftmax } from './pair-softmax.js';
import { pairIndices } from './index.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmPairSoftmax'];
// row 0: all four slots used; row 1: slots 0 and 2 used; row 2: one slot used (no pair)
const VALUES = [
  [1, 0.5, 2, 1],
  [1, 0, 1.5, 0],
  [2, 0, 0, 0],
];

describe.each(['cpu', 'wasm'])('pairSoftmax on %s', (backend) => {
  it('is a softmax over the pairs with a non-zero value product, 0 elsewhere, as the composed ops', async () => {
    await tf.setBackend(backend);
    const logits = randomVariable([3, 6], 7, 2);
    const values = tf.tensor2d(VALUES);
    const a = pairSoftmax(logits, values);
    const l = logits.arraySync() as number[][];
    const got = a.arraySync();
    const { rows, cols } = pairIndices(4);
    VALUES.forEach((v, b) => {
      const valid = Array.from(rows, (i, p) => (v[i] as number) * (v[cols[p] as number] as number) !== 0);
      const total = valid.reduce((s, ok, p) => s + (ok ? Math.exp(l[b]?.[p] as number) : 0), 0);
      valid.forEach((ok, p) => expect(got[b]?.[p]).toBeCloseTo(ok ? Math.exp(l[b]?.[p] as number) / total : 0, 6));
    });
    expect(got[2]?.every((x) => x === 0)).toBe(true);
    expect(maxAbsDiff(a, withoutKernels(KERNELS, () => pairSoftmax(logits, values)))).toBeLessThan(1e-6);
  });

  it('has the gradient of central finite differences with respect to the logits, as the composed ops', async () => {
    await tf.setBackend(backend);
    const logits = randomVariable([3, 6], 8);
    const values = tf.tensor2d(VALUES);
    const weights = tf.randomNormal([3, 6], 0, 1, 'float32', 9);
    const f = () => tf.sum(tf.mul(tf.square(pairSoftmax(logits, values)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [logits], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(1e-3 + 1e-2 * Math.abs(c.numeric));
    }
    expect(maxAbsDiff(tf.grad(() => f())(logits), withoutKernels(KERNELS, () => tf.grad(() => f())(logits)))).toBeLessThan(1e-5);
  });

  it('without a 0 value (no masked pair: the SIMD row softmax on wasm) is the plain softmax over all pairs', async () => {
    await tf.setBackend(backend);
    const logits = randomVariable([2, 10], 10, 3); // W = 5
    const values = tf.tensor2d([[1, 0.5, 2, 1, -1], [3, 1, 1, 1, 1]]);
    const a = pairSoftmax(logits, values);
    (logits.arraySync() as number[][]).forEach((row, b) => {
      const total = row.reduce((s, x) => s + Math.exp(x), 0);
      row.forEach((x, p) => expect(a.arraySync()[b]?.[p]).toBeCloseTo(Math.exp(x) / total, 6));
    });
    expect(maxAbsDiff(a, withoutKernels(KERNELS, () => pairSoftmax(logits, values)))).toBeLessThan(1e-6);
    const weights = tf.randomNormal([2, 10], 0, 1, 'float32', 11);
    const f = () => tf.sum(tf.mul(tf.square(pairSoftmax(logits, values)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [logits], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(1e-3 + 1e-2 * Math.abs(c.numeric));
    }
  });

  it('rejects logits whose width is not W(W−1)/2', async () => {
    await tf.setBackend(backend);
    expect(() => pairSoftmax(tf.zeros([3, 5]), tf.tensor2d(VALUES))).toThrow(/W\(W−1\)\/2/);
  });
});
