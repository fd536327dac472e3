// examples/s of fit() defaults for AFM, NFM, DeepFM on wasm: run from a checkout's bench folder
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, selectBackend } from '@fm/train';
await selectBackend('wasm');
const fields = Number(process.argv[3] ?? 10);
const g = generateCtr({ rows: 60000, fields, hashSize: 10000, seed: 3 });
const out = {};
for (const kind of process.argv[2].split(',')) {
  const model = createModel(kind, { fieldDims: g.dataset.schema.fieldDims, embeddingDim: 16, seed: 1 });
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await fit(model, g.dataset, { task: 'binary', epochs: 2, validation: false, ...(process.env.BATCH ? { batchSize: Number(process.env.BATCH) } : {}) });
  const cpu = process.cpuUsage(t0);
  out[kind] = { exs: r.history.map((h) => Math.round(h.examplesPerSecond)), perCpuS: Math.round((2 * g.dataset.numRows) / ((cpu.user + cpu.system) / 1e6)), wall: +((performance.now() - w0) / 1000).toFixed(1) };
}
console.log(JSON.stringify(out));
