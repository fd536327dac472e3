import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { pairProducts, pairProductsOfParts } from './pair-products.js';
import { pairIndices } from './index.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmPairProducts'];

describe.each(['cpu', 'wasm'])('pairProducts on %s', (backend) => {
  // k = 8: the SIMD kernels on wasm (simd-pairs.ts); k = 3: the TypeScript loops
  it.each([3, 8])('equals x_i ⊙ x_j for every pair i < j, in pairIndices order, and the gather composition (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const x = randomVariable([3, 5, k], 1);
    const out = pairProducts(x);
    expect(out.shape).toEqual([3, 10, k]);
    const xs = x.arraySync() as number[][][];
    const got = out.arraySync() as number[][][];
    const { rows, cols } = pairIndices(5);
    for (let b = 0; b < 3; b++) {
      rows.forEach((i, p) => {
        for (let c = 0; c < k; c++) expect(got[b]?.[p]?.[c]).toBeCloseTo((xs[b]?.[i]?.[c] as number) * (xs[b]?.[cols[p] as number]?.[c] as number), 6);
      });
    }
    const composed = withoutKernels(KERNELS, () => pairProducts(x));
    expect(maxAbsDiff(out, composed)).toBeLessThan(1e-6);
  });

  it.each([3, 8])('has the gradient of central finite differences, equal to that of the composition (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const x = randomVariable([2, 4, k], 2);
    const weights = tf.randomNormal([2, 6, k], 0, 1, 'float32', 3);
    const f = () => tf.sum(tf.mul(tf.sin(pairProducts(x)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const g = tf.grad(() => f())(x);
    const composed = withoutKernels(KERNELS, () => tf.grad(() => f())(x));
    expect(maxAbsDiff(g, composed)).toBeLessThan(1e-5);
  });

  it('rejects a tensor that is not [B, W, k]', async () => {
    await tf.setBackend(backend);
    expect(() => pairProducts(tf.zeros([2, 3]))).toThrow(/\[B, W, k\]/);
  });

  it.each([3, 8])('with y: x_i ⊙ y_j for every pair i < j, the composition, and finite-difference gradients (k = %i)', async (k) => {
    await tf.setBackend(backend);
    const x = randomVariable([2, 4, k], 5);
    const y = randomVariable([2, 4, k], 6);
    const out = pairProducts(x, y);
    const xs = x.arraySync() as number[][][];
    const ys = y.arraySync() as number[][][];
    const got = out.arraySync() as number[][][];
    const { rows, cols } = pairIndices(4);
    for (let b = 0; b < 2; b++) {
      rows.forEach((i, p) => {
        for (let c = 0; c < k; c++) expect(got[b]?.[p]?.[c]).toBeCloseTo((xs[b]?.[i]?.[c] as number) * (ys[b]?.[cols[p] as number]?.[c] as number), 6);
      });
    }
    const kernels = ['FmPairProducts2'];
    expect(maxAbsDiff(out, withoutKernels(kernels, () => pairProducts(x, y)))).toBeLessThan(1e-6);
    const weights = tf.randomNormal([2, 6, k], 0, 1, 'float32', 7);
    const f = () => tf.sum(tf.mul(tf.sin(pairProducts(x, y)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x, y], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const grads = tf.grads(() => f())([x, y]);
    const composed = withoutKernels(kernels, () => tf.grads(() => f())([x, y]));
    grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
    expect(() => pairProducts(x, tf.zeros([2, 3, k]))).toThrow(/must have the shape \[B, W, k\] of the first x/);
  });

  it.each([2, 3])('pairProductsOfParts: %i parts side by side per example, the composition, finite-difference gradients', async (n) => {
    await tf.setBackend(backend);
    const k = 4;
    const parts = Array.from({ length: n }, (_, t) => [randomVariable([2, 4, k], 30 + 2 * t), randomVariable([2, 4, k], 31 + 2 * t)] as const);
    const out = pairProductsOfParts(parts);
    expect(out.shape).toEqual([2, n * 6, k]);
    const got = out.arraySync() as number[][][];
    const { rows, cols } = pairIndices(4);
    parts.forEach(([x, y], t) => {
      const xs = x.arraySync() as number[][][];
      const ys = y.arraySync() as number[][][];
      for (let b = 0; b < 2; b++) {
        rows.forEach((i, p) => {
          for (let c = 0; c < k; c++) expect(got[b]?.[t * 6 + p]?.[c]).toBeCloseTo((xs[b]?.[i]?.[c] as number) * (ys[b]?.[cols[p] as number]?.[c] as number), 6);
        });
      }
    });
    const kernels = ['FmPairProducts2', 'FmPairProducts2x2'];
    expect(maxAbsDiff(out, withoutKernels(kernels, () => pairProductsOfParts(parts)))).toBeLessThan(1e-6);
    const weights = tf.randomNormal([2, n * 6, k], 0, 1, 'float32', 8);
    const vars = parts.flat();
    const f = () => tf.sum(tf.mul(tf.sin(pairProductsOfParts(parts)), weights)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, vars, { count: 6, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const grads = tf.grads(() => f())(vars);
    const composed = withoutKernels(kernels, () => tf.grads(() => f())(vars));
    grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
  });
});
