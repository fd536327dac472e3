import { generateCtr, Rng } from '@fm/data';
import { fit, NativeModel, type FitOptions } from '@fm/train';
import '@fm/train/node';

async function main() {
  const rows = Number(process.argv[2] ?? 100000);
  const g = generateCtr({ rows, fields: 39, hashSize: rows, seed: 7, model: 'ffm' });
  const perm = new Rng(1).permutation(rows);
  const test = g.dataset.select(perm.subarray(0, rows / 10));
  const train = g.dataset.select(perm.subarray(rows / 10));
  console.log('best logloss', g.bestLogLoss.toFixed(4), 'base rate', g.baseRate.toFixed(3));
  const variants: [string, 'fm' | 'ffm', number, boolean, FitOptions][] = [
    ['ffm libffm-settings linear-l2=1', 'ffm', 0.1, true, { optimizer: 'adagrad', learningRate: 0.2, l2: { bias: 0, linear: 1, factors: 2e-5 } }],
    ['ffm adagrad 0.05 l2 2e-5', 'ffm', 0.1, true, { optimizer: 'adagrad', learningRate: 0.05, l2: 2e-5 }],
    ['ffm adagrad 0.2 l2 1e-4', 'ffm', 0.1, true, { optimizer: 'adagrad', learningRate: 0.2, l2: 1e-4 }],
    ['ffm default (sgd .005, l2 .1/.07)', 'ffm', 0.01, true, {}],
    ['fm default', 'fm', 0.01, false, {}],
  ];
  for (const [name, kind, initStd, norm, o] of variants) {
    const m = NativeModel.create(kind, { fieldDims: train.schema.fieldDims, embeddingDim: 4, seed: 1, initStd, normalize: norm });
    const r = await fit(m, train, { task: 'binary', batchSize: 1, epochs: 3, validation: test, earlyStopping: false, threads: 1, ...o });
    console.log(name.padEnd(36), 'val', r.history.map((h) => (h.valMetrics?.['logloss'] ?? NaN).toFixed(4)).join(' '), 'auc', (r.history.at(-1)?.valMetrics?.['auc'] ?? NaN).toFixed(4), 'train', r.history.map((h) => h.loss.toFixed(4)).join(' '));
  }
}
void main();
