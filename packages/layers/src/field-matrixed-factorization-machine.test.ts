import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FieldMatrixedFactorizationMachine, fieldMatrixedFactorizationMachine, fieldWeightedFactorizationMachine, pairIndices } from './index.js';
import { bruteForceFmFM } from './test-utils/field-pair-reference.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';
import { randomBatch } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 4, 2, 3];
const F = fieldDims.length;
const P = (F * (F - 1)) / 2;
const k = 3;
const B = 6;
const W = 7; // multi-hot: same-field pairs occur and must not interact
const batch = randomBatch(fieldDims, B, W, 31, 2);
const ids = tf.tensor2d(batch.ids, undefined, 'int32');
const values = tf.tensor2d(batch.values);
const emb = tf.randomNormal([B, W, k], 0, 0.7, 'float32', 37);

function withRandomWeights(seed: number): FieldMatrixedFactorizationMachine {
  const layer = fieldMatrixedFactorizationMachine({ fieldDims });
  layer.apply([ids, emb, values]);
  layer.setWeights([tf.randomNormal([P, k, k], 0, 0.8, 'float32', seed)]);
  return layer;
}

describe('FieldMatrixedFactorizationMachine', () => {
  it('equals Σ_{i<j, f_i≠f_j} v_i M_{f_i,f_j} v_jᵀ x_i x_j by explicit loops (lower field on the left)', () => {
    const layer = withRandomWeights(1);
    const stored = (layer.getWeights()[0] as tf.Tensor).arraySync() as number[][][];
    const { rows, cols } = pairIndices(F);
    const M = (f: number, g: number) => stored[rows.findIndex((r, p) => r === f && cols[p] === g)] as number[][];
    const out = (layer.apply([ids, emb, values]) as tf.Tensor).dataSync();
    const e = emb.arraySync() as number[][][];
    batch.ids.forEach((row, b) => {
      expect(out[b]).toBeCloseTo(bruteForceFmFM(fieldDims, M, row, e[b] as number[][], batch.values[b] as number[]), 4);
    });
  });

  it('fieldMatrix(f, g) is the stored M_{f,g} and fieldMatrix(g, f) its transpose', () => {
    const layer = withRandomWeights(2);
    const stored = (layer.getWeights()[0] as tf.Tensor).arraySync() as number[][][];
    const p = 4; // pairIndices(4)[4] = (1, 3)
    expect(layer.fieldMatrix(1, 3).arraySync()).toEqual(stored[p]);
    expect(layer.fieldMatrix(3, 1).arraySync()).toEqual(tf.transpose(tf.tensor2d(stored[p] as number[][])).arraySync());
    expect(() => layer.fieldMatrix(2, 2)).toThrow(/two distinct fields/);
  });

  it('with M_{f,g} = r_{f,g} I it equals FwFM on one-hot rows (FwFM is FmFM with scalar matrices)', () => {
    const oneHot = randomBatch(fieldDims, B, F, 5, F);
    const oneIds = tf.tensor2d(oneHot.ids, undefined, 'int32');
    const oneValues = tf.tensor2d(oneHot.values);
    const oneEmb = emb.slice([0, 0, 0], [B, F, k]);
    const fwfm = fieldWeightedFactorizationMachine({ fieldDims });
    fwfm.apply([oneIds, oneEmb, oneValues]);
    fwfm.setWeights([tf.randomUniform([(F * (F + 1)) / 2], -1, 2, 'float32', 3)]);
    const r = fwfm.fieldPairWeights().arraySync();
    const { rows, cols } = pairIndices(F);
    const scaled = Array.from(rows, (f, q) => tf.mul(tf.eye(k), r[f]?.[cols[q] as number] as number));
    const fmfm = fieldMatrixedFactorizationMachine({ fieldDims });
    fmfm.apply([oneIds, oneEmb, oneValues]);
    fmfm.setWeights([tf.stack(scaled)]);
    const a = (fwfm.apply([oneIds, oneEmb, oneValues]) as tf.Tensor).dataSync();
    const b = (fmfm.apply([oneIds, oneEmb, oneValues]) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
  });

  it('starts from identity matrices', () => {
    const layer = fieldMatrixedFactorizationMachine({ fieldDims });
    layer.apply([ids, emb, values]);
    expect(layer.fieldMatrix(0, 2).arraySync()).toEqual(tf.eye(k).arraySync());
  });

  it('gradients of the field matrices and the embeddings match central finite differences', () => {
    const layer = withRandomWeights(3);
    const v = tf.variable(tf.clone(emb));
    const weights = tf.randomNormal([B, 1], 0, 1, 'float32', 8);
    const f = () => tf.sum(tf.mul(layer.apply([ids, v, values]) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [layer.trainableWeights[0]?.read() as tf.Variable, v], { count: 12 });
  });

  it('rejects a single field', () => {
    expect(() => fieldMatrixedFactorizationMachine({ fieldDims: [5] })).toThrow(/at least 2 fields/);
  });
});
