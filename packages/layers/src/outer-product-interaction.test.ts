import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { outerProductInteraction } from './index.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 3;
const N = 4;
const k = 3;
const emb = tf.randomNormal([B, N, k], 0, 1, 'float32', 43) as tf.Tensor3D;

describe('OuterProductInteraction', () => {
  it('outputs vec(Σ_i Σ_j e_i e_jᵀ), the sum of every outer product (explicit loops over pairs)', () => {
    const out = outerProductInteraction().apply(emb) as tf.Tensor;
    expect(out.shape).toEqual([B, k * k]);
    const got = out.arraySync() as number[][];
    const e = emb.arraySync();
    for (let b = 0; b < B; b++) {
      const ref = new Array<number>(k * k).fill(0);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          for (let a = 0; a < k; a++) {
            for (let c = 0; c < k; c++) ref[a * k + c] = (ref[a * k + c] as number) + (e[b]?.[i]?.[a] as number) * (e[b]?.[j]?.[c] as number);
          }
        }
      }
      ref.forEach((r, q) => expect(got[b]?.[q]).toBeCloseTo(r, 4));
    }
  });

  it('its gradient matches central finite differences', () => {
    const v = tf.variable(tf.clone(emb));
    const weights = tf.randomNormal([B, k * k], 0, 1, 'float32', 2);
    const layer = outerProductInteraction();
    const f = () => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [v]);
  });
});
