import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FieldWeightedFactorizationMachine, factorizationMachine, fieldWeightedFactorizationMachine, packedPairIndex } from './index.js';
import { bruteForceFwFM } from './test-utils/field-pair-reference.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';
import { randomBatch } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 4, 2, 3];
const F = fieldDims.length;
const k = 3;
const B = 6;
const W = 7; // multi-hot: more slots than fields, so same-field pairs occur
const batch = randomBatch(fieldDims, B, W, 13, 2);
const ids = tf.tensor2d(batch.ids, undefined, 'int32');
const values = tf.tensor2d(batch.values);
const emb = tf.randomNormal([B, W, k], 0, 0.7, 'float32', 17);

function withRandomWeights(seed: number): FieldWeightedFactorizationMachine {
  const layer = fieldWeightedFactorizationMachine({ fieldDims });
  layer.apply([ids, emb, values]);
  layer.setWeights([tf.randomUniform([(F * (F + 1)) / 2], -1, 2, 'float32', seed)]);
  return layer;
}

describe('FieldWeightedFactorizationMachine', () => {
  it('equals Σ_{i<j} r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j by explicit pairwise loops (same-field pairs use r_{f,f})', () => {
    const layer = withRandomWeights(1);
    const r = layer.fieldPairWeights().arraySync();
    const out = (layer.apply([ids, emb, values]) as tf.Tensor).dataSync();
    const e = emb.arraySync() as number[][][];
    batch.ids.forEach((row, b) => {
      expect(out[b]).toBeCloseTo(bruteForceFwFM(fieldDims, r, row, e[b] as number[][], batch.values[b] as number[]), 4);
    });
  });

  it('stores one weight per unordered field pair f ≤ g and reads it back as a symmetric [F, F] matrix', () => {
    const layer = withRandomWeights(2);
    const stored = (layer.getWeights()[0] as tf.Tensor).dataSync();
    const r = layer.fieldPairWeights().arraySync();
    const lookup = packedPairIndex(F, true);
    for (let f = 0; f < F; f++) {
      for (let g = 0; g < F; g++) {
        expect(r[f]?.[g]).toBe(stored[lookup[f * F + g] as number]);
        expect(r[f]?.[g]).toBe(r[g]?.[f]);
      }
    }
    expect(layer.weights[0]?.name.split('/').pop()).toBe('field_pair_weights');
  });

  it('starts as the FM pairwise term (all r = 1)', () => {
    const layer = fieldWeightedFactorizationMachine({ fieldDims });
    const out = (layer.apply([ids, emb, values]) as tf.Tensor).dataSync();
    const fm = (factorizationMachine().apply([emb, values]) as tf.Tensor).dataSync();
    out.forEach((v, b) => expect(v).toBeCloseTo(fm[b] as number, 5));
  });

  it('gradients of the pair weights and the embeddings match central finite differences', () => {
    const layer = withRandomWeights(3);
    const v = tf.variable(tf.clone(emb));
    const weights = tf.randomNormal([B, 1], 0, 1, 'float32', 8);
    const f = () => tf.sum(tf.mul(layer.apply([ids, v, values]) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [layer.trainableWeights[0]?.read() as tf.Variable, v]);
  });
});
