// The deep cell's default batch grows with the training rows, and Adam's default rate with the batch
// (TRAINING_DEFAULTS' largeData): the thresholds by hand, and fit() resolving them exactly as the same
// settings given explicitly.
import * as tf from '@tensorflow/tfjs';
import { generateCtr } from '@fm/data';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBatchSize, defaultLearningRate, TRAINING_DEFAULTS } from './defaults.js';
import { fit } from './fit.js';
import type { FitOptions } from './fit-options.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('defaultBatchSize / defaultLearningRate', () => {
  const deep = TRAINING_DEFAULTS.binary.deep;

  it('doubles the deep batch from 256 while an epoch keeps ≥ 256 steps, up to 2048', () => {
    // batch b needs b · 256 rows: 512 at 131,072, 1024 at 262,144, 2048 at 524,288
    const cases: [number, number][] = [
      [1, 256],
      [90_570, 256],
      [131_071, 256],
      [131_072, 512],
      [262_143, 512],
      [262_144, 1024],
      [524_287, 1024],
      [524_288, 2048],
      [50_000_000, 2048],
    ];
    for (const [rows, batch] of cases) expect([rows, defaultBatchSize(deep, rows)]).toEqual([rows, batch]);
    for (const task of ['regression', 'binary'] as const) expect(defaultBatchSize(TRAINING_DEFAULTS[task].deep, 1e6)).toBe(2048);
    // BPR (validated at 256 only) keeps it, and so does Adam's rate
    expect(defaultBatchSize(TRAINING_DEFAULTS.ranking.deep, 1e6)).toBe(256);
    expect(defaultLearningRate(TRAINING_DEFAULTS.ranking.deep, 'adam', 2048)).toBe(2e-3);
  });

  it('leaves the factorization family at its fixed batch', () => {
    for (const task of ['regression', 'binary', 'ranking'] as const) {
      for (const family of ['fm', 'ffm'] as const) expect(defaultBatchSize(TRAINING_DEFAULTS[task][family], 1e7)).toBe(TRAINING_DEFAULTS[task][family].batchSize);
    }
  });

  it("scales Adam's rate by ∛(batch / 256) above 256, and nothing else", () => {
    expect(defaultLearningRate(deep, 'adam', 256)).toBe(2e-3);
    expect(defaultLearningRate(deep, 'adam', 64)).toBe(2e-3);
    expect(defaultLearningRate(deep, 'adam', 2048)).toBeCloseTo(4e-3, 12);
    expect(defaultLearningRate(deep, 'adam', 512)).toBeCloseTo(2e-3 * 2 ** (1 / 3), 12);
    expect(defaultLearningRate(deep, 'sgd', 2048)).toBe(deep.learningRates.sgd);
    expect(defaultLearningRate(TRAINING_DEFAULTS.binary.fm, 'adam', 2048)).toBe(TRAINING_DEFAULTS.binary.fm.learningRates.adam);
  });
});

describe('fit() resolves the size-dependent defaults', () => {
  // 131,072 training rows (no validation slice): the deep cell's batch is 512, Adam's rate 2e-3·∛2
  const { dataset } = generateCtr({ rows: 131_072, fields: 3, hashSize: 60, seed: 5 });
  const run = async (options: FitOptions) => {
    const model = createModel('nfm', { fieldDims: dataset.schema.fieldDims, embeddingDim: 2, hiddenUnits: [4], seed: 1 });
    let batches = 0;
    const r = await fit(model, dataset, { task: 'binary', epochs: 1, validation: false, ...options, callbacks: { onBatchEnd: (b) => void (batches = b.batches) } });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return { r, batches, weights };
  };

  it('batch 512 and lr 2e-3·∛2 at 131,072 rows: the same run as those settings given', async () => {
    const byDefault = await run({});
    const rate = 2e-3 * Math.cbrt(2);
    expect(byDefault.r.optimization).toEqual({ optimizer: 'adam', learningRate: rate, batchSize: 512 });
    expect(byDefault.batches).toBe(131_072 / 512);
    const given = await run({ optimizer: 'adam', batchSize: 512, learningRate: rate });
    expect(given.weights).toEqual(byDefault.weights);
    // a given batch sets the default rate too; a given rate is kept as given
    const batchOnly = await run({ batchSize: 512 });
    expect(batchOnly.weights).toEqual(byDefault.weights);
    const rateGiven = await run({ learningRate: 2e-3 });
    expect(rateGiven.r.optimization).toEqual({ optimizer: 'adam', learningRate: 2e-3, batchSize: 512 });
    expect(rateGiven.weights).not.toEqual(byDefault.weights);
  });

  it('a validation slice counts against the rows: 10 % held out of 131,072 leaves batch 256', async () => {
    const model = createModel('nfm', { fieldDims: dataset.schema.fieldDims, embeddingDim: 2, hiddenUnits: [4], seed: 1 });
    const r = await fit(model, dataset, { task: 'binary', epochs: 1 });
    model.dispose();
    expect(r.optimization).toEqual({ optimizer: 'adam', learningRate: 2e-3, batchSize: 256 });
  });
});
