import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { createFusedParams } from './create-fused-params.js';
import { createFusedState } from './create-fused-state.js';
import { FUSED_OPTIMIZER_DEFAULTS } from './defaults.js';
import { fusedTrainEpoch } from './fused-train-epoch.js';
import { datasetOf } from './test-utils/brute-force.js';
import { denseGradient, denseOf, denseStep, type DenseOptState } from './test-utils/dense-reference.js';
import type { FusedOptimizer, FusedOptions } from './types.js';

const dims = [4, 3, 3];
const rows: [number, number][][] = [
  [[0, 1], [4, 1], [7, 1]],
  [[1, 1], [5, 0.5], [8, 2]],
  [[2, 1], [4, 1], [9, 1]],
  [[3, 1], [6, 1], [9, 1]],
];
const data = datasetOf(dims, rows, [4, 2, 5, 1]);

function params(kind: 'fm' | 'ffm', seed: number) {
  const p = createFusedParams(kind, dims, 6, { seed, initStd: 0.3 }); // k = 6: unrolled loops + remainder
  const rng = new Rng(seed);
  for (let i = 0; i < p.linear.length; i++) p.linear[i] = rng.normal() * 0.2;
  p.bias[0] = 0.1;
  return p;
}

describe('SGD with batch 1 is classic per-example SGD', () => {
  it('matches a hand-written libFM-style update, example by example', () => {
    const p = params('fm', 3);
    const lr = 0.05;
    const l2 = { bias: 0.01, linear: 0.02, factors: 0.03 };
    const k = p.k;
    // Hand-written reference on Float64 copies.
    const w0 = [p.bias[0] as number];
    const w = Array.from(p.linear);
    const v = Array.from(p.factors);
    const order = [2, 0, 3, 1];
    for (const r of order) {
      const row = rows[r] as [number, number][];
      const y = data.labels[r] as number;
      const s = new Array<number>(k).fill(0);
      let pred = w0[0] as number;
      let sq = 0;
      for (const [i, x] of row) {
        pred += (w[i] as number) * x;
        for (let f = 0; f < k; f++) {
          s[f] = (s[f] as number) + (v[i * k + f] as number) * x;
          sq += ((v[i * k + f] as number) * x) ** 2;
        }
      }
      pred += 0.5 * (s.reduce((a, b) => a + b * b, 0) - sq);
      const g = pred - y;
      w0[0] = (w0[0] as number) - lr * (g + l2.bias * (w0[0] as number));
      for (const [i, x] of row) {
        w[i] = (w[i] as number) - lr * (g * x + l2.linear * (w[i] as number));
        for (let f = 0; f < k; f++) {
          const vi = v[i * k + f] as number;
          v[i * k + f] = vi - lr * (g * x * ((s[f] as number) - vi * x) + l2.factors * vi);
        }
      }
    }
    const opts: FusedOptions = { task: 'regression', epochs: 1, batchSize: 1, optimizer: 'sgd', learningRate: lr, l2, seed: 0 };
    fusedTrainEpoch(p, createFusedState(p, opts), data, Int32Array.from(order), opts);
    expect(p.bias[0]).toBeCloseTo(w0[0] as number, 5);
    w.forEach((x, i) => expect(p.linear[i]).toBeCloseTo(x, 5));
    v.forEach((x, i) => expect(p.factors[i]).toBeCloseTo(x, 5));
  });

  it('ffm: matches a hand-written libffm-style update (each pair updates the two blocks it uses)', () => {
    const p = params('ffm', 5);
    const lr = 0.05;
    const l2 = { bias: 0, linear: 0.01, factors: 0.02 };
    const k = p.k;
    const F = p.numFields;
    const field = (i: number) => (i < 4 ? 0 : i < 7 ? 1 : 2);
    let w0 = p.bias[0] as number;
    const w = Array.from(p.linear);
    const v = Array.from(p.factors);
    const order = [1, 3, 0, 2];
    for (const r of order) {
      const row = rows[r] as [number, number][];
      let pred = w0;
      for (const [i, x] of row) pred += (w[i] as number) * x;
      for (let a = 0; a < row.length; a++) {
        for (let b = a + 1; b < row.length; b++) {
          const [i, xi] = row[a] as [number, number];
          const [j, xj] = row[b] as [number, number];
          for (let f = 0; f < k; f++) pred += (v[(i * F + field(j)) * k + f] as number) * (v[(j * F + field(i)) * k + f] as number) * xi * xj;
        }
      }
      const g = pred - (data.labels[r] as number);
      w0 -= lr * g;
      for (const [i, x] of row) w[i] = (w[i] as number) - lr * (g * x + l2.linear * (w[i] as number));
      for (let a = 0; a < row.length; a++) {
        for (let b = a + 1; b < row.length; b++) {
          const [i, xi] = row[a] as [number, number];
          const [j, xj] = row[b] as [number, number];
          for (let f = 0; f < k; f++) {
            const p1 = (i * F + field(j)) * k + f;
            const p2 = (j * F + field(i)) * k + f;
            const v1 = v[p1] as number;
            const v2 = v[p2] as number;
            v[p1] = v1 - lr * (g * xi * xj * v2 + l2.factors * v1);
            v[p2] = v2 - lr * (g * xi * xj * v1 + l2.factors * v2);
          }
        }
      }
    }
    const opts: FusedOptions = { task: 'regression', epochs: 1, batchSize: 1, optimizer: 'sgd', learningRate: lr, l2, seed: 0 };
    fusedTrainEpoch(p, createFusedState(p, opts), data, Int32Array.from(order), opts);
    expect(p.bias[0]).toBeCloseTo(w0, 5);
    w.forEach((x, i) => expect(p.linear[i]).toBeCloseTo(x, 5));
    v.forEach((x, i) => expect(p.factors[i]).toBeCloseTo(x, 5));
  });
});

describe('row-wise optimizers vs a dense reference', () => {
  const cases: [FusedOptimizer, 'fm' | 'ffm'][] = [
    ['sgd', 'fm'], ['adagrad', 'fm'], ['adam', 'fm'], ['ftrl', 'fm'], ['adagrad', 'ffm'], ['adam', 'ffm'], ['ftrl', 'ffm'],
  ];
  for (const [opt, kind] of cases) {
    it(`${opt}/${kind}: touched rows follow the formulas, untouched rows and their state stay as they were`, () => {
      const p = params(kind, 7);
      const hp = {
        ...FUSED_OPTIMIZER_DEFAULTS, eps: FUSED_OPTIMIZER_DEFAULTS.epsilon, lr: 0.1, l2: { bias: 0.01, linear: 0.05, factors: 0.02 }, l1: opt === 'ftrl' ? 0.01 : 0,
      };
      const opts: FusedOptions = {
        task: 'regression', epochs: 1, batchSize: 2, optimizer: opt, learningRate: hp.lr, l2: hp.l2, seed: 0,
        optimizerConfig: { l1: hp.l1 },
      };
      const state = createFusedState(p, opts);
      const rowLen = p.factors.length / p.numFeatures;
      const ref = denseOf(p);
      const zero = () => ({ bias: new Float64Array(1), linear: new Float64Array(p.numFeatures), factors: new Float64Array(p.factors.length) });
      const st: DenseOptState = { a: zero(), b: zero(), t: 0 };
      if (opt === 'ftrl') {
        // z₀ = −w₀(β/α + λ₂) so that the closed form starts at the initial weights.
        const c = hp.ftrlBeta / hp.lr;
        st.a.bias[0] = -(ref.bias[0] as number) * (c + hp.l2.bias);
        ref.linear.forEach((x, i) => (st.a.linear[i] = -x * (c + hp.l2.linear)));
        ref.factors.forEach((x, i) => (st.a.factors[i] = -x * (c + hp.l2.factors)));
      }
      // Two batches: rows {0, 1} then {2, 3}; the second leaves features 0, 1, 5, 7, 8 untouched.
      for (const batch of [[0, 1], [2, 3]]) {
        const before = { lin: Float32Array.from(p.linear), fac: Float32Array.from(p.factors), acc: Float32Array.from(state.aFactors) };
        const g = denseGradient(p, data, 'regression', batch);
        const touched = new Set(batch.flatMap((r) => (rows[r] as [number, number][]).map(([i]) => i)));
        denseStep(opt, ref, st, g, touched, rowLen, hp);
        fusedTrainEpoch(p, state, data, Int32Array.from(batch), opts);
        expect(p.bias[0]).toBeCloseTo(ref.bias[0] as number, 5);
        for (let i = 0; i < p.numFeatures; i++) {
          expect(p.linear[i]).toBeCloseTo(ref.linear[i] as number, 5);
          for (let f = 0; f < rowLen; f++) expect(p.factors[i * rowLen + f]).toBeCloseTo(ref.factors[i * rowLen + f] as number, 5);
          if (!touched.has(i)) {
            expect(p.linear[i]).toBe(before.lin[i]);
            for (let f = 0; f < rowLen; f++) {
              expect(p.factors[i * rowLen + f]).toBe(before.fac[i * rowLen + f]);
              if (state.aFactors.length) expect(state.aFactors[i * rowLen + f]).toBe(before.acc[i * rowLen + f]);
            }
          } else {
            expect(p.linear[i]).not.toBe(before.lin[i]);
          }
        }
      }
      expect(state.step[0]).toBe(2);
    });
  }
});
