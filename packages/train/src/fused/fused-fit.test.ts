import { describe, expect, it } from 'vitest';
import { createFusedParams } from './create-fused-params.js';
import { createFusedState } from './create-fused-state.js';
import { fusedFit } from './fused-fit.js';
import { fusedEvaluate } from './fused-predict.js';
import { fusedTrainEpoch } from './fused-train-epoch.js';
import { datasetOf, plantedDataset } from './test-utils/brute-force.js';
import type { FusedKind, FusedOptimizer } from './types.js';

const dims = [20, 15, 10];

describe('fusedFit on a planted problem', () => {
  const cases: [FusedKind, FusedOptimizer, 'regression' | 'binary', number][] = [
    ['fm', 'sgd', 'regression', 0.05],
    ['fm', 'adagrad', 'regression', 0.1],
    ['fm', 'adam', 'binary', 0.02],
    ['ffm', 'adagrad', 'binary', 0.1],
    ['lr', 'ftrl', 'binary', 0.2],
    ['fm', 'ftrl', 'regression', 0.1],
  ];
  for (const [kind, optimizer, task, learningRate] of cases) {
    it(`${kind}/${optimizer}/${task}: held-out loss falls well below the constant predictor's`, async () => {
      const all = plantedDataset(dims, 4000, 1, task, true);
      const train = all.slice(0, 3000);
      const test = all.slice(3000);
      const p = createFusedParams(kind, dims, 4, { seed: 2, initStd: 0.1 });
      const before = fusedEvaluate(p, test, task);
      const res = await fusedFit(p, train, {
        task, epochs: 8, batchSize: optimizer === 'sgd' ? 1 : 16, optimizer, learningRate,
        l2: { bias: 0, linear: 1e-4, factors: 1e-4 }, seed: 3, validation: test,
      });
      expect(res.history).toHaveLength(8);
      const last = res.history[7]!;
      expect(last.validationLoss).toBeCloseTo(fusedEvaluate(p, test, task), 10);
      expect(last.loss).toBeLessThan(res.history[0]!.loss);
      expect(last.validationLoss!).toBeLessThan(before * (task === 'regression' ? 0.6 : kind === 'lr' ? 0.95 : 0.9));
      expect(res.examplesPerSecond).toBeGreaterThan(0);
    });
  }

  it('mf on user/item rows learns a planted rating matrix', async () => {
    const train = plantedDataset([30, 40], 4000, 5, 'regression');
    const p = createFusedParams('mf', [30, 40], 4, { seed: 1, initStd: 0.1 });
    const before = fusedEvaluate(p, train, 'regression');
    await fusedFit(p, train, {
      task: 'regression', epochs: 10, batchSize: 8, optimizer: 'adam', learningRate: 0.02, l2: { bias: 0, linear: 0, factors: 1e-4 }, seed: 1,
    });
    expect(fusedEvaluate(p, train, 'regression')).toBeLessThan(before * 0.2);
  });

  it('onEpochEnd can stop training, and the same seed gives the same model', async () => {
    const train = plantedDataset(dims, 500, 2, 'regression');
    const run = async (stopAt: number) => {
      const p = createFusedParams('fm', dims, 3, { seed: 4, initStd: 0.1 });
      const res = await fusedFit(p, train, {
        task: 'regression', epochs: 5, batchSize: 4, optimizer: 'adagrad', learningRate: 0.1,
        l2: { bias: 0, linear: 0, factors: 0 }, seed: 9, onEpochEnd: (info) => (info.epoch === stopAt ? 'stop' : undefined),
      });
      return { p, res };
    };
    const a = await run(1);
    const b = await run(1);
    expect(a.res.epochs).toBe(2);
    expect(Array.from(a.p.factors)).toEqual(Array.from(b.p.factors));
  });
});

describe('bad input', () => {
  const d = datasetOf([2, 2], [[[0, 1], [2, 1]]], [1]);
  const opts = { task: 'regression' as const, epochs: 1, batchSize: 1, optimizer: 'sgd' as const, learningRate: 0.1, l2: { bias: 0, linear: 0, factors: 0 }, seed: 0 };
  it('rejects a dataset from another schema, bad options, bad order, threads without a runner', async () => {
    const p = createFusedParams('fm', [2, 3], 2, { seed: 0, initStd: 0.1 });
    await expect(fusedFit(p, d, opts)).rejects.toThrow(/4 features, the model 5/);
    const q = createFusedParams('fm', [2, 2], 2, { seed: 0, initStd: 0.1 });
    await expect(fusedFit(q, d, { ...opts, batchSize: 0 })).rejects.toThrow(/batchSize 0/);
    await expect(fusedFit(q, d, { ...opts, threads: 2 })).rejects.toThrow(/fusedFitNode/);
    expect(() => fusedTrainEpoch(q, createFusedState(q, opts), d, Int32Array.from([3]), opts)).toThrow(/order\[0\] = 3/);
    expect(() => fusedTrainEpoch(q, createFusedState(q, { ...opts, optimizer: 'adam' }), d, Int32Array.from([0]), opts)).toThrow(/"adam"/);
    expect(() => createFusedParams('mf', [2, 2, 2], 2, { seed: 0, initStd: 0.1 })).toThrow(/exactly 2 fields/);
  });
  it('mf rejects rows that are not one user and one item', async () => {
    const bad = datasetOf([2, 2], [[[0, 1], [1, 1]]], [1]);
    const p = createFusedParams('mf', [2, 2], 2, { seed: 0, initStd: 0.1 });
    await expect(fusedFit(p, bad, opts)).rejects.toThrow(/row 0 is not one user/);
  });
  it('a divergent learning rate is reported, not silently kept', async () => {
    const big = datasetOf([2, 2], [[[0, 1], [2, 1]], [[1, 1], [3, 1]]], [1e30, -1e30]);
    const p = createFusedParams('fm', [2, 2], 2, { seed: 0, initStd: 0.1 });
    await expect(fusedFit(p, big, { ...opts, epochs: 50, learningRate: 10 })).rejects.toThrow(/became/);
  });
});
