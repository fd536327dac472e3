import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { createFusedParams } from './create-fused-params.js';
import { createFusedState } from './create-fused-state.js';
import { fusedEvaluate, fusedPredict } from './fused-predict.js';
import { kernelBatch } from './kernel.js';
import { makeKernelCtx } from './kernel-ctx.js';
import { bruteObjective, bruteScore, datasetOf } from './test-utils/brute-force.js';
import { denseGradient } from './test-utils/dense-reference.js';
import type { FusedKind, FusedOptions, FusedParams } from './types.js';

const dims = [3, 4, 2];
// Rows mixing one-hot, repeated fields (multi-hot) and non-unit values.
const rows: [number, number][][] = [
  [[0, 1], [3, 1], [7, 1]],
  [[1, 0.5], [2, 1.5], [4, -1], [8, 2]],
  [[2, 1], [6, 0.25]],
  [[5, 3]],
];
const labels = [1, 0, 1, 0];
const data = datasetOf(dims, rows, labels);

function randomParams(kind: FusedKind, k: number, seed: number): FusedParams {
  const p = createFusedParams(kind, dims, k, { seed, initStd: 0.5 });
  const rng = new Rng(seed + 1);
  p.bias[0] = rng.normal();
  for (let i = 0; i < p.linear.length; i++) p.linear[i] = rng.normal();
  return p;
}

const baseOpts: FusedOptions = {
  task: 'regression', epochs: 1, batchSize: 4, optimizer: 'sgd', learningRate: 0.1,
  l2: { bias: 0, linear: 0, factors: 0 }, seed: 1,
};

describe('fused forward', () => {
  for (const kind of ['lr', 'fm', 'ffm'] as const) {
    it(`${kind}: equals the brute-force pairwise sum`, () => {
      const p = randomParams(kind, 5, 11);
      const got = fusedPredict(p, data);
      for (let r = 0; r < data.numRows; r++) {
        expect(got[r]).toBeCloseTo(bruteScore(p, data.rowIds(r), data.rowValues(r)), 5);
      }
    });
  }

  it('fm: the O(k·nnz) identity matches a hand-computed 2-feature example', () => {
    const p = createFusedParams('fm', [1, 1], 2, { seed: 0, initStd: 0 });
    p.bias[0] = 0.5;
    p.linear.set([1, -2]);
    p.factors.set([1, 2, 3, 4]); // v0 = (1,2), v1 = (3,4): ⟨v0,v1⟩ = 11
    const d = datasetOf([1, 1], [[[0, 2], [1, 1]]], [0]);
    // 0.5 + 1·2 − 2·1 + 11·2·1 = 22.5
    expect(fusedPredict(p, d)[0]).toBeCloseTo(22.5, 5);
  });

  it('fusedEvaluate reports MSE and log loss', () => {
    const p = randomParams('fm', 3, 5);
    const pred = fusedPredict(p, data);
    let mse = 0;
    let ll = 0;
    for (let r = 0; r < 4; r++) {
      const y = labels[r] as number;
      mse += ((pred[r] as number) - y) ** 2 / 4;
      const s = 1 / (1 + Math.exp(-(pred[r] as number)));
      ll -= (y * Math.log(s) + (1 - y) * Math.log(1 - s)) / 4;
    }
    expect(fusedEvaluate(p, data, 'regression')).toBeCloseTo(mse, 4);
    expect(fusedEvaluate(p, data, 'binary')).toBeCloseTo(ll, 5);
  });
});

describe('fused gradients', () => {
  for (const kind of ['lr', 'fm', 'ffm'] as const) {
    for (const task of ['regression', 'binary'] as const) {
      it(`${kind}/${task}: batch gradient equals central finite differences`, () => {
        const p = randomParams(kind, 6, 21); // k = 6: the unrolled-by-4 loops and their remainder
        const opts = { ...baseOpts, task };
        const c = makeKernelCtx(p, createFusedState(p, opts), data, opts);
        const order = Int32Array.from([0, 1, 2, 3]);
        kernelBatch(c, order, 0, 4, new Float64Array(2));
        const all = [0, 1, 2, 3];
        const fd = (arr: Float32Array, i: number) => {
          const h = 1e-2;
          const x = arr[i] as number;
          arr[i] = x + h;
          const up = bruteObjective(p, data, task, all);
          arr[i] = x - h;
          const dn = bruteObjective(p, data, task, all);
          arr[i] = x;
          return ((up - dn) / (2 * h)) * 4; // the kernel accumulates sums, not means
        };
        expect(c.gBias).toBeCloseTo(fd(p.bias, 0), 3);
        const rowLen = c.rowLen;
        for (let i = 0; i < p.numFeatures; i++) {
          const slot = c.slotOf[i] as number;
          const used = rows.some((row) => row.some(([id]) => id === i));
          expect(slot >= 0).toBe(used);
          expect(slot >= 0 ? (c.gLin[slot] as number) : 0).toBeCloseTo(fd(p.linear, i), 3);
          for (let f = 0; f < rowLen; f++) {
            const g = slot >= 0 ? (c.gFac[slot * rowLen + f] as number) : 0;
            expect(g).toBeCloseTo(fd(p.factors, i * rowLen + f), 3);
          }
        }
      });
    }
  }

  it('the dense analytic reference gradient agrees with finite differences too', () => {
    const p = randomParams('ffm', 2, 3);
    const g = denseGradient(p, data, 'binary', [0, 1]);
    const h = 1e-2;
    for (let i = 0; i < p.factors.length; i += 3) {
      const x = p.factors[i] as number;
      p.factors[i] = x + h;
      const up = bruteObjective(p, data, 'binary', [0, 1]);
      p.factors[i] = x - h;
      const dn = bruteObjective(p, data, 'binary', [0, 1]);
      p.factors[i] = x;
      expect(g.factors[i]).toBeCloseTo((up - dn) / (2 * h), 3);
    }
  });
});
