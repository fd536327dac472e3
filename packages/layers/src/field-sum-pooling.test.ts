import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldSumPooling } from './index.js';
import { fieldOf, randomBatch } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('FieldSumPooling', () => {
  const fieldDims = [3, 4, 2];
  const k = 2;

  it('sums the slots of each field (multi-hot, padding, slots out of field order) into [B, F, k]', () => {
    const batch = randomBatch(fieldDims, 5, 6, 9, 1);
    batch.ids[0] = [7, 0, 3, 8, 1, 4]; // fields 2, 0, 1, 2, 0, 1: every field twice, out of order
    batch.values[0] = [1, 1, 0.5, 2, 1, 1];
    const ids = tf.tensor2d(batch.ids, undefined, 'int32');
    const emb = tf.mul(tf.randomNormal([5, 6, k], 0, 1, 'float32', 2), tf.expandDims(tf.tensor2d(batch.values), -1));
    const out = fieldSumPooling({ fieldDims }).apply([ids, emb]) as tf.Tensor;
    expect(out.shape).toEqual([5, 3, k]);
    const got = out.arraySync() as number[][][];
    const e = emb.arraySync() as number[][][];
    batch.ids.forEach((row, b) => {
      const ref = fieldDims.map(() => new Array<number>(k).fill(0));
      row.forEach((id, i) => {
        const f = fieldOf(fieldDims, id);
        for (let c = 0; c < k; c++) (ref[f] as number[])[c] = ((ref[f] as number[])[c] as number) + ((e[b] as number[][])[i] as number[])[c]!;
      });
      ref.forEach((r, f) => r.forEach((v, c) => expect(got[b]?.[f]?.[c]).toBeCloseTo(v, 5)));
    });
  });

  it('passes the gradient back to every slot of its field', () => {
    const ids = tf.tensor2d([[0, 5, 1]], undefined, 'int32');
    const emb = tf.variable(tf.randomNormal([1, 3, k], 0, 1, 'float32', 4));
    const layer = fieldSumPooling({ fieldDims });
    const weights = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply([ids, emb]) as tf.Tensor, weights)) as tf.Scalar, [emb]);
    // slots 0 and 2 are field 0 (weights row 0), slot 1 is field 1 (row 1)
    expect(Array.from((grads[emb.name] as tf.Tensor).dataSync())).toEqual([1, 2, 3, 4, 1, 2]);
  });
});
