import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@fm/layers';
import { fit, selectBackend } from '@fm/train';
import '@fm/train/node';
import { generateImplicit, encodeInteractions, leaveLastOut, generateCtr } from '@fm/data';

async function main() {
  await selectBackend('wasm');
  const what = process.argv[2] ?? 'bpr';
  if (what === 'bpr') {
    const gen = generateImplicit({ users: 943, items: 1682, seed: 1 } as never);
    const { dataset } = encodeInteractions(gen.interactions);
    console.log('rows', dataset.numRows, dataset.schema.fieldDims);
    const model = createModel('fm', { fieldDims: dataset.schema.fieldDims, embeddingDim: 64, seed: 1 });
    const t0 = performance.now();
    const r = await fit(model, dataset, { task: 'ranking', epochs: 5, validation: false });
    console.log(r.engine, r.engineReason, 'ex/s', Math.round(r.examplesPerSecond), 'wall', ((performance.now() - t0) / 1000).toFixed(2), r.history.map((h) => h.loss.toFixed(4)).join(' '));
  } else if (what === 'ffm') {
    const t0 = performance.now();
    const g = generateCtr({ rows: 1_000_000, fields: 39, hashSize: 1_000_000, seed: 7, model: 'ffm' } as never) as { dataset: import('@fm/data').SparseDataset; bestLogLoss: number };
    console.log('gen', ((performance.now() - t0) / 1000).toFixed(1), 's, rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0));
    const ds = g.dataset;
    const model = createModel('ffm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1 });
    console.log('model rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0));
    const r = await fit(model, ds, { task: 'binary', epochs: 1, optimizer: 'adagrad', learningRate: 0.2, l2: 2e-5, batchSize: 1, validation: { fraction: 0.2 }, callbacks: { onEpochEnd: (e) => console.log(e.epoch, e.loss, e.valMetrics, Math.round(e.examplesPerSecond), 'rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0)) } });
    console.log(r.engine, r.engineReason, 'ex/s', Math.round(r.examplesPerSecond), 'best', g.bestLogLoss);
  }
  void tf;
}
void main();
