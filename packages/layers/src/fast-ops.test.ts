import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { addBias, denseMatMul, reduceMean, reduceSum, sliceColumns } from './fast-ops.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Values and gradients (w.r.t. every input) of Σ r ⊙ f(inputs) for two implementations, compared entry by entry. */
function expectSameOp(mine: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
  const out = ref(...inputs);
  expect(mine(...inputs).shape).toEqual(out.shape);
  const r = tf.randomNormal(out.shape, 0, 1, 'float32', 9);
  const loss = (f: (...xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r));
  Array.from(mine(...inputs).dataSync()).forEach((x, i) => expect(x).toBeCloseTo(out.dataSync()[i] as number, 5));
  const got = tf.grads(loss(mine))(inputs);
  const want = tf.grads(loss(ref))(inputs);
  got.forEach((g, i) => {
    expect(g.shape).toEqual((want[i] as tf.Tensor).shape);
    g.dataSync().forEach((x, j) => expect(x).toBeCloseTo((want[i] as tf.Tensor).dataSync()[j] as number, 5));
  });
}

describe.each([['cpu'], ['wasm']])('fast ops on %s equal the tfjs ops in value and gradient', (backend) => {
  it('denseMatMul, for q < p and q ≥ p and 1-wide sides', async () => {
    await tf.setBackend(backend);
    for (const [n, p, q] of [[4, 5, 2], [4, 2, 5], [4, 6, 1], [1, 3, 2]] as const) {
      const a = tf.randomNormal([n, p], 0, 1, 'float32', 1);
      const b = tf.randomNormal([p, q], 0, 1, 'float32', 2);
      expectSameOp((x, y) => denseMatMul(x as tf.Tensor2D, y as tf.Tensor2D), (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), [a, b]);
    }
  });

  it('addBias', async () => {
    await tf.setBackend(backend);
    expectSameOp((x, b) => addBias(x as tf.Tensor2D, b as tf.Tensor1D), (x, b) => tf.add(x, b), [tf.randomNormal([5, 3], 0, 1, 'float32', 3), tf.randomNormal([3], 0, 1, 'float32', 4)]);
  });

  it('sliceColumns', async () => {
    await tf.setBackend(backend);
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 7);
    for (const [begin, size] of [[0, 2], [2, 3], [5, 1], [0, 6]] as const) {
      expectSameOp((t) => sliceColumns(t as tf.Tensor2D, begin, size), (t) => tf.slice(t, [0, begin], [4, size]), [x]);
    }
  });

  it('reduceSum and reduceMean over every axis, with and without keepDims', async () => {
    await tf.setBackend(backend);
    const x3 = tf.randomNormal([3, 4, 2], 0, 1, 'float32', 5);
    const x2 = tf.randomNormal([5, 3], 0, 1, 'float32', 6);
    for (const x of [x3, x2]) {
      for (let axis = -1; axis < x.rank; axis++) {
        for (const keep of [false, true]) {
          expectSameOp((t) => reduceSum(t, axis, keep), (t) => tf.sum(t, axis, keep), [x]);
          expectSameOp((t) => reduceMean(t, axis, keep), (t) => tf.mean(t, axis, keep), [x]);
        }
      }
    }
  });
});

describe('fast ops reject bad shapes', () => {
  it('with clear messages', () => {
    expect(() => denseMatMul(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D, tf.zeros([2, 2]))).toThrow(/2-D/);
    expect(() => addBias(tf.zeros([2, 3]), tf.zeros([2]))).toThrow(/\[n, q\] \+ \[q\]/);
    expect(() => reduceSum(tf.zeros([2, 3]), 2)).toThrow(/axis 2 is out of range/);
    expect(() => sliceColumns(tf.zeros([2, 3]), 2, 2)).toThrow(/columns \[2, 4\) are not inside \[2, 3\]/);
  });
});
