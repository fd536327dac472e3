import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@fm/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from './checkpoint.js';
import { fit } from './fit.js';
import { syntheticRatings } from './test-utils/toy.js';

// fit() on wasm, where a step keeps Adam's moments in the wasm heap (sparse-rows-wasm.ts): the trainer state a
// checkpoint saves must be those moments, and a resumed run must pick them up.
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('fit on wasm with the heap-resident Adam state', () => {
  it.each([4, 3])('nfm, k = %i: checkpoint at epoch 2 + resume to 4 equals 4 epochs straight, bit for bit', async (k) => {
    const ds = syntheticRatings(20, 15, 200, 3);
    const nfm = (seed: number) => createModel('nfm', { fieldDims: ds.schema.fieldDims, embeddingDim: k, seed, hiddenUnits: [8] });
    const opts = { engine: 'tfjs', optimizer: 'adam', batchSize: 40, seed: 4, validation: { fraction: 0.2 }, earlyStopping: { patience: 50 } } as const;
    const full = nfm(8);
    const fullRes = await fit(full, ds, { ...opts, epochs: 4 });
    const store = memoryCheckpointStore();
    await fit(nfm(8), ds, { ...opts, epochs: 2, checkpoint: { store } });
    // the saved moments are not all zero: the heap state, not an untouched copy, was written
    const saved = store.data as NonNullable<typeof store.data>;
    const stateBytes = saved.trainer.state.reduce((s, d) => s + d.size * (d.type === 'uint8' ? 1 : 4), 0);
    expect(saved.trainerData.subarray(0, stateBytes).some((b) => b !== 0)).toBe(true);
    const resumed = nfm(123); // a different init: everything comes from the checkpoint
    const res = await fit(resumed, ds, { ...opts, epochs: 4, resumeFrom: store });
    expect(res.history.map((h) => h.loss)).toEqual(fullRes.history.map((h) => h.loss));
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
    // and the state matters: resuming with the moments zeroed gives other weights
    const zeroed = memoryCheckpointStore();
    await fit(nfm(8), ds, { ...opts, epochs: 2, checkpoint: { store: zeroed } });
    const data = zeroed.data as NonNullable<typeof zeroed.data>;
    data.trainerData.fill(0, 0, stateBytes);
    const fromZero = nfm(123);
    await fit(fromZero, ds, { ...opts, epochs: 4, resumeFrom: zeroed });
    expect(weightsOf(fromZero)).not.toEqual(weightsOf(full));
  });
});
