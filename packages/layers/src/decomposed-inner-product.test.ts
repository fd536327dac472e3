import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecomposedInnerProduct, decomposedInnerProduct } from './index.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 3;
const N = 4;
const k = 3;
const D = 5;
const emb = tf.randomNormal([B, N, k], 0, 1, 'float32', 51) as tf.Tensor3D;

describe('DecomposedInnerProduct', () => {
  it('unit n outputs Σ_{i,j} θ_i^n θ_j^n ⟨f_i, f_j⟩ over every ordered pair, i = j included (explicit loops)', () => {
    const layer = decomposedInnerProduct({ units: D, seed: 2 });
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][];
    expect(layer.weights[0]?.name.split('/').pop()).toBe('product_weights');
    const theta = (layer.getWeights()[0] as tf.Tensor).arraySync() as number[][];
    const e = emb.arraySync();
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < D; n++) {
        let ref = 0;
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            let dot = 0;
            for (let c = 0; c < k; c++) dot += (e[b]?.[i]?.[c] as number) * (e[b]?.[j]?.[c] as number);
            ref += (theta[i]?.[n] as number) * (theta[j]?.[n] as number) * dot;
          }
        }
        expect(out[b]?.[n]).toBeCloseTo(ref, 4);
      }
    }
  });

  it('gradients of θ and of the embeddings match central finite differences', () => {
    const layer = decomposedInnerProduct({ units: D, seed: 3 });
    const v = tf.variable(tf.clone(emb));
    layer.apply(v);
    const weights = tf.randomNormal([B, D], 0, 1, 'float32', 4);
    const f = () => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [layer.trainableWeights[0]?.read() as tf.Variable, v]);
  });

  it('rejects bad units and rebuilds from its config', () => {
    expect(() => decomposedInnerProduct({ units: 0 })).toThrow(/units must be a positive integer/);
    const layer = decomposedInnerProduct({ units: 7, seed: 9 });
    const copy = tf.layers.Layer.fromConfig(DecomposedInnerProduct, layer.getConfig()) as DecomposedInnerProduct;
    expect([copy.units, copy.seed]).toEqual([7, 9]);
  });
});
