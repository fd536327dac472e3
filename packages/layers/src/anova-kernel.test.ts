import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnovaKernel, anovaKernel, factorizationMachine } from './index.js';
import { bruteForceAnova, bruteForceTriple } from './test-utils/field-pair-reference.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';
import { uniform } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 4;
const W = 6;
const k = 3;
const emb = tf.randomNormal([B, W, k], 0, 0.8, 'float32', 21) as tf.Tensor3D;
// rows with padding (value 0) in different places, and one row with fewer than 3 used slots
const rnd = uniform(5);
const values = tf.tensor2d(
  Array.from({ length: B }, (_, b) => Array.from({ length: W }, (_, i) => (b === 3 ? (i < 2 ? 1.5 : 0) : i === b ? 0 : 0.3 + rnd()))),
);

describe('AnovaKernel', () => {
  it('degree 3 equals the explicit triple sum Σ_{i<j<l} ⟨v_i ⊙ v_j, v_l⟩ x_i x_j x_l', () => {
    const out = (anovaKernel({ degree: 3 }).apply([emb, values]) as tf.Tensor).arraySync() as number[][];
    const e = emb.arraySync();
    const x = values.arraySync();
    for (let b = 0; b < B; b++) expect(out[b]?.[0]).toBeCloseTo(bruteForceTriple(e[b] as number[][], x[b] as number[]), 4);
    expect(out[3]?.[0]).toBeCloseTo(0, 5); // two used slots: no triple (0 up to float32 cancellation)
  });

  it('degree 2 equals the FM pairwise term and degrees 4, 5 equal the brute-force subset sums', () => {
    const fm = (factorizationMachine().apply([emb, values]) as tf.Tensor).dataSync();
    const a2 = (anovaKernel({ degree: 2 }).apply([emb, values]) as tf.Tensor).dataSync();
    a2.forEach((v, b) => expect(v).toBeCloseTo(fm[b] as number, 5));
    const e = emb.arraySync();
    const x = values.arraySync();
    for (const degree of [4, 5]) {
      const out = (anovaKernel({ degree }).apply([emb, values]) as tf.Tensor).dataSync();
      for (let b = 0; b < B; b++) expect(out[b]).toBeCloseTo(bruteForceAnova(e[b] as number[][], x[b] as number[], degree), 4);
    }
  });

  it('reduceSum: false gives the per-factor kernels [B, k] that sum to the reduced output', () => {
    const perFactor = anovaKernel({ degree: 3, reduceSum: false }).apply([emb, values]) as tf.Tensor;
    expect(perFactor.shape).toEqual([B, k]);
    const e = emb.arraySync();
    const x = values.arraySync();
    const rows = perFactor.arraySync() as number[][];
    for (let c = 0; c < k; c++) {
      const column = (e[0] as number[][]).map((v) => [v[c] as number]);
      expect(rows[0]?.[c]).toBeCloseTo(bruteForceTriple(column, x[0] as number[]), 4);
    }
  });

  it('the gradient with respect to the embeddings matches central finite differences', () => {
    const v = tf.variable(tf.clone(emb));
    const weights = tf.randomNormal([B, 1], 0, 1, 'float32', 3);
    const layer = new AnovaKernel({ degree: 3 });
    const f = () => tf.sum(tf.mul(layer.apply([v, values]) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [v], { count: 12, absTol: 2e-3 });
  });

  it('has a config that rebuilds it and rejects a degree below 2', () => {
    const layer = anovaKernel({ degree: 4, reduceSum: false });
    const copy = tf.layers.Layer.fromConfig(AnovaKernel, layer.getConfig()) as AnovaKernel;
    expect(copy.degree).toBe(4);
    expect(copy.reduceSum).toBe(false);
    expect(() => anovaKernel({ degree: 1 })).toThrow(/degree must be an integer ≥ 2/);
    expect(() => anovaKernel({ degree: 2.5 })).toThrow(/degree/);
  });
});
