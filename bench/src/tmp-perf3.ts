import { generateCtr, Rng, type SparseDataset } from '@fm/data';
import { fit, NativeModel, predict } from '@fm/train';
import '@fm/train/node';

const ll = (s: Float32Array, y: Float32Array) => s.reduce((a, x, i) => a + Math.max(x, 0) - x * (y[i] as number) + Math.log1p(Math.exp(-Math.abs(x))), 0) / s.length;
async function main() {
  const rows = Number(process.argv[2] ?? 100000);
  const g = generateCtr({ rows, fields: 39, hashSize: rows, seed: 7, model: 'ffm' });
  const perm = new Rng(1).permutation(rows);
  const test = g.dataset.select(perm.subarray(0, rows / 10));
  const train = g.dataset.select(perm.subarray(rows / 10));
  console.log('best logloss', g.bestLogLoss.toFixed(4));
  for (const [kind, k, opt, lr, l2, norm] of [['ffm', 4, 'adagrad', 0.2, 2e-5, true], ['ffm', 4, 'adagrad', 0.2, 2e-5, false], ['fm', 4, 'adagrad', 0.2, 2e-5, false], ['ffm', 4, 'sgd', 0.05, 2e-5, true]] as const) {
    const m = NativeModel.create(kind, { fieldDims: train.schema.fieldDims, embeddingDim: k, seed: 1, initStd: 0.1, normalize: norm });
    const c0 = process.cpuUsage();
    const r = await fit(m, train, { task: 'binary', optimizer: opt, learningRate: lr, l2, batchSize: 1, epochs: 3, validation: test, earlyStopping: false, threads: 1 });
    const cpu = process.cpuUsage(c0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    console.log(kind, opt, lr, 'norm', norm, 'val', r.history.map((h) => (h.valMetrics?.['logloss'] ?? NaN).toFixed(4)).join(' '), 'train', r.history.map((h) => h.loss.toFixed(4)).join(' '), 'ex/cpu-s', Math.round((3 * train.numRows) / cpuS));
  }
}
void main();
