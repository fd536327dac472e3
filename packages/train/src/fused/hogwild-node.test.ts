import { describe, expect, it } from 'vitest';
import { createFusedParams } from './create-fused-params.js';
import { fusedEvaluate } from './fused-predict.js';
import { defaultFusedThreads, fusedFitNode } from './hogwild-node.js';
import { plantedDataset } from './test-utils/brute-force.js';

describe('Hogwild worker threads', () => {
  it('2 threads reach a loss close to 1 thread, and write the trained weights back', async () => {
    const dims = [50, 40, 30];
    const all = plantedDataset(dims, 23000, 11, 'binary', true);
    const train = all.slice(0, 20000);
    const test = all.slice(20000);
    const fit = async (threads: number) => {
      const p = createFusedParams('fm', dims, 4, { seed: 1, initStd: 0.1 });
      const before = Float32Array.from(p.factors);
      const res = await fusedFitNode(p, train, {
        task: 'binary', epochs: 4, batchSize: 32, optimizer: 'adagrad', learningRate: 0.1,
        l2: { bias: 0, linear: 1e-5, factors: 1e-5 }, seed: 5, threads,
      });
      expect(p.factors).not.toEqual(before);
      return { loss: fusedEvaluate(p, test, 'binary'), res };
    };
    const one = await fit(1);
    const two = await fit(2);
    expect(two.res.threads).toBe(2);
    expect(two.res.history[3]!.examples).toBe(20000);
    expect(Math.abs(two.loss - one.loss)).toBeLessThan(0.02);
    expect(two.loss).toBeLessThan(0.69); // well below the constant predictor (log 2)
  });

  it("'auto' keeps small tables on one thread (Hogwild would fight over the same cache lines)", () => {
    const small = createFusedParams('fm', [943, 1682], 64, { seed: 0, initStd: 0.01 });
    const data = plantedDataset([943, 1682], 100, 1, 'regression');
    expect(defaultFusedThreads(small, data)).toBe(1);
  });
});
