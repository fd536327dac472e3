import * as tf from '@tensorflow/tfjs';
import { FieldSchema, SparseDataset } from '@fm/data';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Ratings over (user, age): age unscaled (20-60) or scaled (0.2-0.6). */
function data(scale: number): SparseDataset {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 20 },
    { name: 'age', kind: 'numeric', cardinality: 1 },
  ]);
  const n = 400;
  const ids = new Int32Array(2 * n);
  const values = new Float32Array(2 * n);
  const labels = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const u = r % 20;
    ids[2 * r] = u;
    ids[2 * r + 1] = 20;
    values[2 * r] = 1;
    values[2 * r + 1] = (20 + ((r * 7) % 41)) * scale;
    labels[r] = 1 + (u % 5);
  }
  return new SparseDataset({ schema, labels, offsets: Int32Array.from({ length: n + 1 }, (_, r) => 2 * r), ids, values });
}

describe('a diverging run says why', () => {
  for (const engine of ['native', 'tfjs'] as const) {
    it(`${engine}: an unscaled numeric field is named with its largest value; scaled, the same run trains`, async () => {
      const opts = { engine, epochs: 2, validation: false, optimizer: 'sgd', learningRate: 0.05, batchSize: engine === 'native' ? 1 : 8, seed: 1 } as const;
      const model = createModel('fm', { fieldDims: [20, 1], embeddingDim: 3, seed: 2 });
      await expect(fit(model, data(1), opts)).rejects.toThrow(/lower the learning rate \(now 0\.05\), or scale field "age": its values reach 60, and the pair terms grow/);
      const ok = await fit(createModel('fm', { fieldDims: [20, 1], embeddingDim: 3, seed: 2 }), data(0.01), opts);
      expect(Number.isFinite(ok.history.at(-1)?.loss)).toBe(true);
    });
  }

  it('without large values the message names no field', async () => {
    const model = createModel('fm', { fieldDims: [20, 1], embeddingDim: 3, seed: 2 });
    await expect(fit(model, data(0.01), { engine: 'native', validation: false, learningRate: 1e6, optimizer: 'sgd', epochs: 20 })).rejects.toThrow(/lower the learning rate \(now 1000000\)$/);
  });
});
