import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherRows, withRowFeeds } from './index.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('gatherRows on %s', (backend) => {
  it('returns the rows of the ids, of shape [...ids.shape, k]', async () => {
    await tf.setBackend(backend);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const out = gatherRows(table, tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32'));
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.arraySync()).toEqual([[[5, 6], [1, 2]], [[3, 4], [5, 6]]]);
  });

  it('has a gradient that sums duplicate ids and leaves untouched rows at 0', async () => {
    await tf.setBackend(backend);
    const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]])) as tf.Variable<tf.Rank.R2>;
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
    const weights = tf.tensor2d([[1, 10], [2, 20], [3, 30], [4, 40]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(gatherRows(table, ids), weights)) as tf.Scalar, [table]);
    // hand-computed: row 2 collects the weights of slots 0, 2, 3; row 0 those of slot 1
    expect(grads[table.name]?.arraySync()).toEqual([[2, 20], [0, 0], [8, 80], [0, 0]]);
  });

  it('matches central finite differences through a non-linear loss', async () => {
    await tf.setBackend(backend);
    const table = tf.variable(tf.randomNormal([7, 3], 0, 1, 'float32', 3)) as tf.Variable<tf.Rank.R2>;
    const ids = tf.tensor2d([[1, 4, 4], [6, 0, 1]], [2, 3], 'int32');
    const f = () => tf.sum(tf.square(tf.sin(gatherRows(table, ids)))) as tf.Scalar;
    const checks = finiteDifferenceCheck(f, [table], { count: 12, eps: 1e-2 });
    for (const c of checks) expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    expect(tf.getBackend()).toBe(backend);
  });

  it('rejects ids outside the table instead of reading past it', async () => {
    await tf.setBackend(backend);
    const table = tf.tensor2d([[1], [2]]);
    for (const bad of [2, -1]) expect(() => gatherRows(table, tf.tensor1d([0, bad], 'int32'))).toThrow(new RegExp(`${bad}|indices`));
  });

  it('accepts float ids and rejects a table that is not rank 2', async () => {
    await tf.setBackend(backend);
    const out = gatherRows(tf.tensor2d([[1], [2]]), tf.tensor1d([1, 0]));
    expect(Array.from(out.dataSync())).toEqual([2, 1]);
    expect(() => gatherRows(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D, tf.tensor1d([0], 'int32'))).toThrow(/rank 2/);
  });

  it('inside withRowFeeds returns the fed rows for the fed table and ids (or a reshape of them), else gathers', async () => {
    await tf.setBackend(backend);
    const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]])) as tf.Variable<tf.Rank.R2>;
    const ids = tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32');
    const fed = tf.tensor3d([[[10, 11], [12, 13]], [[14, 15], [16, 17]]]); // not the table's rows: shows which path ran
    const other = tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32'); // same values, another tensor
    withRowFeeds([{ table, ids, rows: fed }], () => {
      expect(gatherRows(table, ids).arraySync()).toEqual(fed.arraySync());
      expect(gatherRows(table, tf.reshape(ids, [4])).arraySync()).toEqual([[10, 11], [12, 13], [14, 15], [16, 17]]);
      expect(gatherRows(table, other).arraySync()).toEqual([[[5, 6], [1, 2]], [[3, 4], [5, 6]]]);
    });
    expect(gatherRows(table, ids).arraySync()).toEqual([[[5, 6], [1, 2]], [[3, 4], [5, 6]]]);
  });

  it('a fed lookup takes the gradient with respect to the fed rows; the table gets none', async () => {
    await tf.setBackend(backend);
    const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]])) as tf.Variable<tf.Rank.R2>;
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const rows = tf.gather(table, ids);
    const weights = tf.tensor2d([[1, 10], [2, 20], [3, 30]]);
    const { grads } = tf.engine().gradients(
      () => withRowFeeds([{ table, ids, rows }], () => tf.sum(tf.mul(gatherRows(table, ids), weights)) as tf.Scalar),
      [rows, table],
      undefined,
      true,
    );
    expect(grads[0]?.arraySync()).toEqual(weights.arraySync());
    expect(grads[1] ?? undefined).toBeUndefined();
  });
});
