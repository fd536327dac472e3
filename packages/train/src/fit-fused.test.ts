import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelKind } from '@fm/layers';
import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import { bindFused } from './fused-binding.js';
import { fusedPredict } from './fused/fused-predict.js';
import { inspectModel } from './model-info.js';
import { predict } from './predict.js';
import { syntheticRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Rows over three categorical fields (user, item, context) with one feature each. */
function threeFieldRows(rows: number, seed: number): SparseDataset {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 12 },
    { name: 'item', kind: 'categorical', cardinality: 9 },
    { name: 'ctx', kind: 'categorical', cardinality: 4 },
  ]);
  const rng = new Rng(seed);
  const ids = new Int32Array(rows * 3);
  const values = new Float32Array(rows * 3);
  const offsets = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    ids[3 * r] = rng.int(12);
    ids[3 * r + 1] = 12 + rng.int(9);
    ids[3 * r + 2] = 21 + rng.int(4);
    values.fill(1, 3 * r, 3 * r + 3);
    values[3 * r + 2] = 0.5 + rng.next(); // a weighted feature
    offsets[r + 1] = 3 * r + 3;
  }
  return new SparseDataset({ schema, labels: new Float32Array(rows).map(() => rng.normal()), offsets, ids, values });
}

describe('fit on the fused engine', () => {
  it.each(['lr', 'fm', 'ffm'] as ModelKind[])('%s: the fused forward pass equals the tfjs model on the same weights', async (kind) => {
    const ds = threeFieldRows(40, 3);
    const model = createModel(kind, { fieldDims: ds.schema.fieldDims, embeddingDim: 5, seed: 7, initStd: 0.3 });
    // non-zero biases and linear weights so every term is exercised
    for (const w of model.trainableWeights) {
      if (w.name.includes('linear') || w.name.includes('bias')) w.write(tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', 5));
    }
    const b = bindFused(model, inspectModel(model));
    if (typeof b === 'string') throw new Error(b);
    const viaTfjs = await predict(model, ds);
    const viaFused = fusedPredict(b.params, ds);
    for (let i = 0; i < ds.numRows; i++) expect(viaFused[i]).toBeCloseTo(viaTfjs[i] as number, 4);
  });

  it('mf: the fused forward pass equals the tfjs model on the same weights', async () => {
    const ds = syntheticRatings(15, 10, 60, 4);
    const model = createModel('mf', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 2, initStd: 0.3 });
    for (const w of model.trainableWeights) if (!w.name.includes('embedding')) w.write(tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', 6));
    const b = bindFused(model, inspectModel(model));
    if (typeof b === 'string') throw new Error(b);
    const viaTfjs = await predict(model, ds);
    const viaFused = fusedPredict(b.params, ds);
    for (let i = 0; i < ds.numRows; i++) expect(viaFused[i]).toBeCloseTo(viaTfjs[i] as number, 4);
  });

  it('is the default on cpu, trains, writes the weights back, and restores the best epoch', async () => {
    const ds = syntheticRatings(30, 20, 500, 11);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1, initStd: 0.1 });
    const seen: { epoch: number; rmse: number }[] = [];
    const res = await fit(model, ds, {
      epochs: 60,
      validation: { fraction: 0.2 },
      earlyStopping: { patience: 2, minDelta: 0 },
      callbacks: { onEpochEnd: (e) => void seen.push({ epoch: e.epoch, rmse: e.valMetrics!['rmse']! }) },
    });
    expect(res.engine).toBe('fused');
    expect(res.history[0]!.loss).toBeGreaterThan(res.history[res.history.length - 1]!.loss);
    const best = seen.reduce((a, c) => (c.rmse < a.rmse ? c : a));
    expect(res.bestEpoch).toBe(best.epoch);
    // the model now holds the best epoch's weights: its tfjs predictions reproduce that validation RMSE
    const b = bindFused(model, inspectModel(model));
    if (typeof b === 'string') throw new Error(b);
    expect(res.valMetrics!['rmse']).toBe(best.rmse);
    expect(tf.memory().numTensors).toBeLessThan(100);
  });

  it('reaches the quality of the tfjs engine on a planted problem', async () => {
    // Per-example SGD needs a larger step than its MovieLens-tuned default on 1,000 rows to leave the
    // plateau where only the linear terms have been fitted; Adam (tfjs default) leaves it on its own.
    const ds = syntheticRatings(40, 30, 1200, 5);
    const run = async (engine: 'fused' | 'tfjs') => {
      const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1, initStd: 0.1 });
      const r = await fit(model, ds, { engine, epochs: 80, validation: { fraction: 0.2 }, seed: 3, ...(engine === 'fused' ? { learningRate: 0.02 } : {}) });
      model.dispose();
      return r.valMetrics!['rmse']!;
    };
    const fused = await run('fused');
    const tfjs = await run('tfjs');
    // the label noise floor of syntheticRatings is far below both; both must beat predicting the mean by far
    expect(fused).toBeLessThan(0.4);
    expect(tfjs).toBeLessThan(0.4);
    expect(fused).toBeLessThan(tfjs * 1.1);
  });

  it('honours stop from a callback and an abort signal; refuses engine "fused" for models it cannot train', async () => {
    const ds = syntheticRatings(10, 8, 80, 2);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 3, seed: 1 });
    const r1 = await fit(model, ds, { epochs: 10, validation: false, callbacks: { onEpochEnd: (e) => (e.epoch === 2 ? 'stop' : undefined) } });
    expect([r1.engine, r1.stopReason, r1.epochs]).toEqual(['fused', 'callback', 2]);
    const ac = new AbortController();
    const r2 = await fit(model, ds, { epochs: 10, validation: false, signal: ac.signal, callbacks: { onEpochEnd: (e) => void (e.epoch === 3 && ac.abort()) } });
    expect([r2.stopReason, r2.epochs]).toEqual(['aborted', 3]);
    const afm = createModel('afm', { fieldDims: ds.schema.fieldDims, embeddingDim: 3, seed: 1 });
    await expect(fit(afm, ds, { engine: 'fused', validation: false })).rejects.toThrow(/engine "fused" cannot train this model: model kind "afm"/);
    const auto = await fit(afm, ds, { epochs: 1, validation: false });
    expect(auto.engine).toBe('tfjs');
  });
});
