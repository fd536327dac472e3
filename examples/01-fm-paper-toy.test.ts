// Example 1 — the 7-row table of Rendle, "Factorization Machines" (ICDM 2010), fig. 1, fitted by an FM
// through the library (@fm/data toy table → @fm/layers createModel → @fm/train fit → predict).
import { fmPaperToyTable } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { expect, it } from 'vitest';
import { mse, printTable } from './support.js';

it('an FM fits the FM paper toy table (MSE < 0.05)', async () => {
  const backend = await selectBackend('cpu');
  const { dataset, featureNames } = fmPaperToyTable();
  const model = createModel('fm', { fieldDims: dataset.schema.fieldDims, width: dataset.maxRowLength, embeddingDim: 4, initStd: 0.1, seed: 1 });
  const result = await fit(model, dataset, {
    task: 'regression',
    epochs: 300,
    batchSize: 7,
    optimizer: 'adam',
    learningRate: 0.05,
    l2: 0,
    validation: false,
    earlyStopping: false,
    seed: 1,
  });
  const pred = await predict(model, dataset);
  const err = mse(pred, dataset.labels);
  console.log(`FM paper toy table on ${backend.backend}: ${result.epochs} epochs, train MSE ${err.toFixed(5)}`);
  printTable(
    ['row', 'active features', 'rating', 'FM prediction'],
    Array.from(dataset.labels, (y, r) => [
      r + 1,
      Array.from(dataset.rowIds(r), (id) => featureNames[id] ?? String(id)).join(' '),
      y,
      pred[r] as number,
    ]),
  );
  model.dispose();
  expect(err).toBeLessThan(0.05);
});
