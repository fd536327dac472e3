import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { scatterAddRows } from './scatter-add-rows.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('scatterAddRows on %s', (backend) => {
  it('sums rows into their buckets (duplicates added, empty buckets 0) and sends each bucket gradient back to its rows', async () => {
    await tf.setBackend(backend);
    const rows = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]));
    const index = tf.tensor1d([2, 0, 2, 2], 'int32');
    expect(scatterAddRows(rows, index, 4).arraySync()).toEqual([[3, 4], [0, 0], [13, 16], [0, 0]]);
    const weights = tf.tensor2d([[1, 10], [2, 20], [3, 30], [4, 40]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(scatterAddRows(rows, index, 4), weights)) as tf.Scalar, [rows]);
    // hand-computed: rows in bucket 2 get bucket 2's weights, the row in bucket 0 bucket 0's
    expect(grads[rows.name]?.arraySync()).toEqual([[3, 30], [1, 10], [3, 30], [3, 30]]);
  });

  it('matches central finite differences through a non-linear loss', async () => {
    await tf.setBackend(backend);
    const rows = tf.variable(tf.randomNormal([6, 3], 0, 1, 'float32', 5)) as tf.Variable<tf.Rank.R2>;
    const index = tf.tensor1d([1, 4, 1, 0, 4, 4], 'int32');
    expectGradientsMatch(() => tf.sum(tf.square(tf.sin(scatterAddRows(rows, index, 5)))) as tf.Scalar, [rows], { count: 12, eps: 1e-2 });
  });
});
