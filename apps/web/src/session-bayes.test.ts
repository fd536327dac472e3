import * as tf from '@tensorflow/tfjs';
import { BayesianFm, predict } from '@fm/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { recommendationsFor } from './explore.js';
import { clipToLabels } from './metrics.js';
import { prepareData } from './prepare.js';
import { runSession, summarize, validateConfig, type SessionConfig } from './session.js';

const CONFIG: SessionConfig = {
  data: { kind: 'synthetic', users: 60, items: 40, density: 0.3, rank: 3, noise: 0.1, seed: 3 },
  model: 'fm',
  solver: 'mcmc',
  embeddingDim: 4,
  optimizer: 'adam',
  learningRate: 0.02,
  epochs: 12,
  burnIn: 4,
  batchSize: 64,
  seed: 11,
};

/** RMSE computed here, by hand. */
function rmseOf(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let se = 0;
  for (let i = 0; i < y.length; i++) se += ((pred[i] as number) - (y[i] as number)) ** 2;
  return Math.sqrt(se / y.length);
}

describe('runSession with the MCMC solver (Node)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reports per iteration the sampled training RMSE and the test RMSE of the averaged predictions', async () => {
    const r = await runSession(CONFIG);
    try {
      expect(r.engine.engine).toBe('mcmc');
      expect(r.engine.reason).toMatch(/Gibbs sampling/);
      expect(r.history).toHaveLength(12);
      // The same chain by hand: after each iteration, the training RMSE of the new sample and the test
      // RMSE of the mean prediction over the samples kept so far (predict: one forward pass per sample).
      const prepared = prepareData(CONFIG.data, { seed: CONFIG.seed, testFraction: 0.2 });
      const fm = new BayesianFm(prepared.train, { solver: 'mcmc', task: 'regression', k: 4, seed: CONFIG.seed, burnIn: 4 });
      for (let it = 1; it <= 12; it++) {
        const info = fm.iterate();
        const p = fm.predict(prepared.test);
        expect(p.samples).toBe(Math.max(0, it - 4));
        const chain = r.history[it - 1]?.chain;
        expect(chain?.metric).toBe('rmse');
        expect(chain?.burnIn).toBe(it <= 4);
        expect(Math.abs((chain?.train as number) - (info.trainRmse as number))).toBeLessThan(1e-6);
        expect(Math.abs((chain?.test as number) - rmseOf(p.mean, prepared.test.labels))).toBeLessThan(1e-6);
      }
      // The page's test metrics come from the Bayesian model: the average over the 8 samples after burn-in.
      expect(r.bayes).toEqual({ burnIn: 4, samples: 8 });
      const scores = clipToLabels(await predict(r.model, r.prepared.test), r.prepared.train.labels);
      expect(Math.abs((r.metrics.rmse as number) - rmseOf(scores, r.prepared.test.labels))).toBeLessThan(1e-9);
      expect(Math.abs((r.metrics.rmse as number) - (r.history[11]?.chain?.test as number))).toBeLessThan(1e-6);
      const mean = r.prepared.train.labels.reduce((a, b) => a + b, 0) / r.prepared.train.numRows;
      expect(r.metrics.rmse).toBeLessThan(rmseOf(new Float32Array(r.prepared.test.numRows).fill(mean), r.prepared.test.labels));
      expect(summarize(CONFIG, r).solver).toBe('mcmc');
      // Recommendations score with the Bayesian model too: a rated row's prediction is predict()'s.
      const rec = await recommendationsFor(r.model, r.prepared, 0, 5);
      const c = r.prepared.catalog;
      const row = c ? Array.from(c.rowUser).indexOf(0) : -1;
      const direct = await predict(r.model, r.prepared.dataset.select([row]));
      const shown = rec.rated.find((x) => x.item === c?.rowItem[row]);
      expect(shown?.predicted).toBeCloseTo(direct[0] as number, 5);
    } finally {
      r.model.dispose();
    }
  });

  it('trains MF by MCMC and FM by ALS, both beating the constant predictor', async () => {
    for (const cfg of [{ ...CONFIG, model: 'mf' as const }, { ...CONFIG, solver: 'als' as const, burnIn: undefined, l2: 5 }]) {
      const r = await runSession(cfg);
      try {
        expect(r.engine.engine).toBe(cfg.solver);
        expect(r.history.every((h) => h.chain !== undefined && Number.isFinite(h.chain.test))).toBe(true);
        const mean = r.prepared.train.labels.reduce((a, b) => a + b, 0) / r.prepared.train.numRows;
        expect(r.metrics.rmse).toBeLessThan(rmseOf(new Float32Array(r.prepared.test.numRows).fill(mean), r.prepared.test.labels));
        if (cfg.solver === 'als') expect(r.bayes).toBeUndefined();
      } finally {
        r.model.dispose();
      }
    }
  });
});

describe('validateConfig with MCMC / ALS', () => {
  it('names what does not apply', () => {
    expect(() => validateConfig({ ...CONFIG, model: 'ffm' })).toThrow(/MCMC solver trains FM, LR, MF models, not FFM/);
    expect(() => validateConfig({ ...CONFIG, burnIn: 12 })).toThrow(/burn-in must be an integer in \[0, iterations − 1\] = \[0, 11\], got 12/);
    expect(() => validateConfig({ ...CONFIG, l2: 0.1 })).toThrow(/L2 does not apply to MCMC/);
    expect(() => validateConfig({ ...CONFIG, epochs: 0 })).toThrow(/iterations must be an integer/);
    // the gradient settings are not read: a blank learning rate is fine
    expect(() => validateConfig({ ...CONFIG, learningRate: Number.NaN, batchSize: 0 })).not.toThrow();
  });
});
