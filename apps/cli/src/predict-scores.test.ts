import { FieldSchema, SparseDataset } from '@fm/data';
import { NativeModel, predict } from '@fm/train';
import { describe, expect, it } from 'vitest';
import { predictScores } from './modeling.js';

describe('predictScores with a signal', () => {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 50 },
    { name: 'item', kind: 'categorical', cardinality: 70 },
  ]);
  const n = 300_000; // over two slices
  const ids = Int32Array.from({ length: 2 * n }, (_, j) => (j % 2 === 0 ? (j * 7) % 50 : 50 + ((j * 13) % 70)));
  const ds = new SparseDataset({ schema, labels: new Float32Array(n), offsets: Int32Array.from({ length: n + 1 }, (_, r) => 2 * r), ids, values: new Float32Array(2 * n).fill(1) });
  const model = NativeModel.create('fm', { fieldDims: schema.fieldDims, embeddingDim: 4, seed: 3, initStd: 0.3 });

  it('scores slice by slice what one call scores', async () => {
    const want = await predict(model, ds);
    const got = await predictScores(model, ds, new AbortController().signal);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('stops between slices once aborted', async () => {
    const ac = new AbortController();
    const run = predictScores(model, ds, ac.signal);
    ac.abort(new Error('interrupted'));
    await expect(run).rejects.toThrow('interrupted');
  });
});
