// Example 3 — FM (Rendle 2010) and FFM (Juan et al. 2016) on the 100 users × 50 items synthetic
// regression (every pair rated, continuous ratings from planted factors): both reach test R² ≥ 0.97.
import { encodeInteractions, generateRatings, randomSplit } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { expect, it } from 'vitest';
import { printTable, rSquared } from './support.js';

it('FM and FFM reach test R² ≥ 0.97 on the 100×50 planted regression', async () => {
  const backend = await selectBackend('wasm');
  const gen = generateRatings({ users: 100, items: 50, density: 1, round: false, noise: 0.1, rank: 4, seed: 5 });
  const { dataset } = encodeInteractions(gen.interactions);
  const split = randomSplit(dataset.numRows, { testFraction: 0.2, seed: 5 });
  const train = dataset.select(split.train);
  const test = dataset.select(split.test);
  const rows: (string | number)[][] = [];
  const r2: Record<string, number> = {};
  // FM: per-example SGD at twice the default rate (100 epochs here, no early stopping); FFM: its own
  // defaults (libffm's instance-wise normalisation with per-example AdaGrad, see @fm/train's README).
  const settings = { fm: { learningRate: 0.01 }, ffm: {} };
  for (const kind of ['fm', 'ffm'] as const) {
    const model = createModel(kind, { fieldDims: dataset.schema.fieldDims, embeddingDim: 8, seed: 5 });
    const res = await fit(model, train, { task: 'regression', epochs: 100, ...settings[kind], l2: 0.001, validation: false, seed: 5 });
    const pred = await predict(model, test);
    r2[kind] = rSquared(pred, test.labels);
    rows.push([kind, res.epochs, res.finalLoss, r2[kind] as number]);
    model.dispose();
  }
  console.log(`100×50 synthetic regression on ${backend.backend} (${train.numRows} train / ${test.numRows} test; noise-only R² ceiling ≈ ${(1 - gen.bestRmse ** 2 / variance(test.labels)).toFixed(4)})`);
  printTable(['model', 'epochs', 'train MSE', 'test R²'], rows);
  expect(r2.fm).toBeGreaterThanOrEqual(0.97);
  expect(r2.ffm).toBeGreaterThanOrEqual(0.97);
});

function variance(y: Float32Array): number {
  const m = y.reduce((s, v) => s + v, 0) / y.length;
  return y.reduce((s, v) => s + (v - m) ** 2, 0) / y.length;
}
