import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { FieldSchema, SparseDataset } from '@fm/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from './checkpoint.js';
import { fit } from './fit.js';
import { mseLoss } from './losses.js';
import { inspectModel } from './model-info.js';
import { createOptimizer } from './optimizers.js';
import { predict } from './predict.js';
import { l2Penalty } from './regularization.js';
import { TrainStep } from './train-step.js';
import { fromPairs, syntheticRatings, toyRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fm = (fieldDims: number[], seed = 1, k = 4) => createModel('fm', { fieldDims, embeddingDim: k, seed, initStd: 0.1 });
const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('TrainStep', () => {
  it('an SGD step equals −lr · ∇(mean loss + l2Penalty), touching only the batch rows', async () => {
    const ds = toyRatings();
    const model = fm(ds.schema.fieldDims);
    const info = inspectModel(model);
    const l2 = { bias: 0.01, linear: 0.2, factors: 0.3 };
    const lr = 0.05;
    const rows = [0, 3, 4]; // users A, B; items TI, SW, ST — user C and item NH untouched
    const batch = ds.select(rows).denseBatch(0, rows.length);
    // reference gradient of the full objective w.r.t. every weight, over the whole tables
    const vars = info.params.map((p) => p.weight.read() as tf.Variable);
    const before = weightsOf(model);
    const { grads } = tf.variableGrads(() => {
      const ids = tf.tensor2d(batch.ids, [3, 2], 'int32');
      const values = tf.tensor2d(batch.values, [3, 2]);
      const out = model.apply([ids, values]) as tf.Tensor;
      const dense = info.params.filter((p) => !p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
      const tables = info.params.filter((p) => p.sparse).map((p) => ({ value: p.weight.read(), group: p.group }));
      // regression follows ½·MSE (gradient ŷ − y) plus the per-use L2 penalty
      return tf.add(tf.mul(0.5, mseLoss(out, tf.tensor1d(batch.labels))), l2Penalty(dense, tables, batch.ids, batch.values, 3, l2)) as tf.Scalar;
    }, vars);
    const step = new TrainStep(model, info, createOptimizer('sgd', { learningRate: lr }), l2, 'mse');
    await step.run({ rows: 3, width: 2, ids: batch.ids, values: batch.values, labels: batch.labels });
    const after = weightsOf(model);
    model.weights.forEach((w, i) => {
      const g = grads[vars[i]!.name]!.dataSync();
      const b = before[i]!;
      const a = after[i]!;
      b.forEach((bv, j) => expect(a[j], `${w.name}[${j}]`).toBeCloseTo(bv - lr * (g[j] as number), 5));
    });
    // untouched rows: user C (id 2) and item NH (id 3 + 1 = 4) keep their factors exactly
    const emb = info.params.find((p) => p.group === 'factors')!;
    const ei = model.weights.indexOf(emb.weight);
    for (const id of [2, 4]) {
      for (let j = 0; j < 4; j++) expect(after[ei]![id * 4 + j]).toBe(before[ei]![id * 4 + j]);
    }
  });
});

describe('fit', () => {
  for (const engine of ['tfjs', 'native'] as const) {
  it(`${engine}: learns the FM paper toy table (MSE < 0.05) and keeps the tensor count stable`, async () => {
    const ds = toyRatings();
    const model = fm(ds.schema.fieldDims, 3);
    const counts: number[] = [];
    const res = await fit(model, ds, {
      engine,
      optimizer: 'adam',
      epochs: 300,
      batchSize: 7,
      learningRate: 0.05,
      l2: 0,
      validation: false,
      callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
    });
    const pred = await predict(model, ds);
    let mse = 0;
    pred.forEach((p, i) => (mse += (p - ds.labels[i]!) ** 2 / pred.length));
    expect(mse).toBeLessThan(0.05);
    expect(res.epochs).toBe(300);
    expect(res.stopReason).toBe('epochs');
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(res.history).toHaveLength(300);
    expect(res.finalLoss).toBeLessThan(0.05);
  });
  }

  it('starts the bias at the mean label and is deterministic for a seed', async () => {
    const ds = syntheticRatings(20, 15, 300, 7);
    const run = async () => {
      const model = fm(ds.schema.fieldDims, 5);
      const r = await fit(model, ds, { epochs: 2, batchSize: 32, seed: 9, validation: { fraction: 0.2 } });
      return { w: weightsOf(model), r };
    };
    const a = await run();
    const b = await run();
    expect(a.w).toEqual(b.w);
    expect(a.r.history.map((h) => h.loss)).toEqual(b.r.history.map((h) => h.loss));
    const model = fm(ds.schema.fieldDims, 5);
    const res = await fit(model, ds, { epochs: 1, batchSize: 32, validation: false, learningRate: 1e-9 });
    expect(res.earlyStopping).toBeUndefined(); // nothing held out, nothing to stop on
    const mean = ds.labels.reduce((s, y) => s + y, 0) / ds.numRows;
    const bias = inspectModel(model).params.find((p) => p.group === 'bias')!;
    expect(bias.weight.read().dataSync()[0]).toBeCloseTo(mean, 4);
  });

  it('early stopping stops on patience and restores the best epoch', async () => {
    const train = syntheticRatings(30, 20, 400, 11);
    // validation labels unrelated to train: val rmse worsens as the model fits train
    const val = new SparseDataset({ ...syntheticRatings(30, 20, 100, 99), labels: new Float32Array(100).fill(1) } as never);
    const model = fm(train.schema.fieldDims, 2);
    const seen: { epoch: number; rmse: number; w: number[][] }[] = [];
    const res = await fit(model, train, {
      epochs: 40,
      batchSize: 50,
      learningRate: 0.05,
      validation: val,
      earlyStopping: { patience: 2, minDelta: 0 },
      callbacks: { onEpochEnd: (e) => void seen.push({ epoch: e.epoch, rmse: e.valMetrics!['rmse']!, w: weightsOf(model) }) },
    });
    expect(res.stopReason).toBe('early-stopping');
    // the settings as run, the unset metric resolved to the task's (rmse for regression)
    expect(res.earlyStopping).toEqual({ metric: 'rmse', patience: 2, minDelta: 0 });
    const best = seen.reduce((a, b) => (b.rmse < a.rmse ? b : a));
    expect(res.bestEpoch).toBe(best.epoch);
    expect(res.epochs).toBe(best.epoch + 2);
    expect(res.valMetrics!['rmse']).toBe(best.rmse);
    expect(weightsOf(model)).toEqual(best.w);
    const p = await predict(model, val);
    let s = 0;
    p.forEach((x) => (s += (x - 1) ** 2));
    expect(Math.sqrt(s / p.length)).toBeCloseTo(best.rmse, 4);
  });

  for (const engine of ['tfjs', 'native'] as const) {
    it(`${engine}: a checkpoint whose own epoch is the best keeps no second copy; resuming from it or after it restores the same best`, async () => {
      const train = syntheticRatings(30, 20, 400, 11);
      const val = new SparseDataset({ ...syntheticRatings(30, 20, 100, 99), labels: new Float32Array(100).fill(1) } as never);
      const opts = { engine, batchSize: 50, learningRate: 0.05, validation: val, earlyStopping: { patience: 2, minDelta: 0 }, seed: 3 } as const;
      const full = fm(train.schema.fieldDims, 2);
      const fullRes = await fit(full, train, { ...opts, epochs: 40 });
      const b = fullRes.bestEpoch;
      expect(fullRes.stopReason).toBe('early-stopping');
      expect(b).toBeGreaterThan(1);
      for (const [at, bestStored] of [[b, false], [b + 1, true]] as const) {
        const store = memoryCheckpointStore();
        await fit(fm(train.schema.fieldDims, 2), train, { ...opts, epochs: at, checkpoint: { store } });
        const tr = store.data!.trainer;
        expect(tr.bestEpoch).toBe(b);
        // the best weights are stored only when they are not the checkpoint's own
        expect(tr.best.length > 0).toBe(bestStored);
        const resumed = fm(train.schema.fieldDims, 9);
        const res = await fit(resumed, train, { ...opts, epochs: 40, resumeFrom: store });
        expect(res.bestEpoch).toBe(b);
        expect(res.epochs).toBe(b + 2);
        expect(weightsOf(resumed)).toEqual(weightsOf(full));
      }
    });
  }

  for (const engine of ['tfjs', 'native'] as const) {
    it(`${engine}: checkpoint + resume continues from the saved epoch, identical to an uninterrupted run`, async () => {
      const ds = syntheticRatings(20, 15, 200, 3);
      const opts = { engine, batchSize: 40, seed: 4, validation: { fraction: 0.2 }, earlyStopping: { patience: 50 } } as const;
      for (const optimizer of ['adam', 'ftrl'] as const) {
        const full = fm(ds.schema.fieldDims, 8);
        const fullRes = await fit(full, ds, { ...opts, optimizer, epochs: 4 });
        const store = memoryCheckpointStore();
        const first = fm(ds.schema.fieldDims, 8);
        await fit(first, ds, { ...opts, optimizer, epochs: 2, checkpoint: { store } });
        expect(store.data?.trainer.epoch).toBe(2);
        expect(store.data?.trainer.engine).toBe(engine);
        const resumed = fm(ds.schema.fieldDims, 123); // different init: everything comes from the checkpoint
        const res = await fit(resumed, ds, { ...opts, optimizer, epochs: 4, resumeFrom: store });
        expect(res.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
        expect(res.history.map((h) => h.loss)).toEqual(fullRes.history.map((h) => h.loss));
        expect(weightsOf(resumed)).toEqual(weightsOf(full));
        const other = engine === 'tfjs' ? 'native' : 'tfjs';
        await expect(fit(fm(ds.schema.fieldDims, 8), ds, { ...opts, engine: other, optimizer, epochs: 4, resumeFrom: store })).rejects.toThrow(
          new RegExp(`trained by the ${engine} engine, this run uses ${other}`),
        );
      }
    });
  }

  for (const engine of ['tfjs', 'native'] as const) {
    it(`${engine}: ranking with BPR and sampled negatives ranks held-out positives above unseen items`, async () => {
      // users like items of their own parity
      const schema = new FieldSchema([
        { name: 'user', kind: 'categorical', cardinality: 10 },
        { name: 'item', kind: 'categorical', cardinality: 20 },
      ]);
      const rows: [number, number, number][] = [];
      for (let u = 0; u < 10; u++) for (let i = u % 2; i < 20; i += 2) if ((u + i) % 7 !== 0) rows.push([u, i, 1]);
      const ds = fromPairs(schema, rows);
      const model = fm(schema.fieldDims, 4, 8);
      const res = await fit(model, ds, { engine, task: 'ranking', epochs: 30, batchSize: 16, optimizer: 'adam', learningRate: 0.05 });
      expect(res.engine).toBe(engine);
      expect(res.valMetrics!['auc']).toBeGreaterThan(0.9);
      expect(res.history.at(-1)!.loss).toBeLessThan(res.history[0]!.loss);
    });
  }

  it('binary log loss with sampled negatives per positive', async () => {
    const ds = syntheticRatings(15, 30, 200, 5);
    const model = fm(ds.schema.fieldDims, 6);
    const res = await fit(model, ds, {
      task: 'binary',
      negativesPerPositive: 2,
      negatives: { itemField: 'item' },
      epochs: 3,
      batchSize: 50,
      validation: { fraction: 0.2 },
    });
    expect(res.valMetrics!['logloss']).toBeGreaterThan(0);
    expect(res.valMetrics!['auc']).toBeGreaterThanOrEqual(0);
    // bias started at logit(1/3)
    expect(res.history).toHaveLength(3);
  });

  it('callbacks can stop, abort signals end training', async () => {
    const ds = toyRatings();
    const model = fm(ds.schema.fieldDims);
    const r1 = await fit(model, ds, { engine: 'tfjs', epochs: 10, batchSize: 2, validation: false, callbacks: { onBatchEnd: (b) => (b.batch === 2 ? 'stop' : undefined) } });
    expect(r1.stopReason).toBe('callback');
    expect(r1.epochs).toBe(1);
    const ac = new AbortController();
    const r2 = await fit(model, ds, { epochs: 10, validation: false, signal: ac.signal, callbacks: { onEpochEnd: async (e) => void (e.epoch === 3 && ac.abort()) } });
    expect(r2.stopReason).toBe('aborted');
    expect(r2.epochs).toBe(3);
  });

  for (const engine of ['native', 'tfjs'] as const) {
    it(`${engine}: a timer's abort stops training mid-epoch (the loop yields to the event loop)`, async () => {
      const rows = engine === 'native' ? 600_000 : 60_000;
      const ds = syntheticRatings(3000, 4000, rows, 11);
      const model = fm(ds.schema.fieldDims, 2, 32);
      const ac = new AbortController();
      let batchCalls = 0;
      // the abort comes from a timer: it only fires if training yields to the event loop
      const res = await fit(model, ds, {
        engine, epochs: 50, batchSize: engine === 'native' ? 1 : 64, validation: false, signal: ac.signal,
        callbacks: { onBatchEnd: () => void (batchCalls++ === 0 && setTimeout(() => ac.abort(), 0)) },
      });
      expect(res.stopReason).toBe('aborted');
      expect(res.epochs).toBe(1);
      expect(batchCalls).toBeGreaterThanOrEqual(1);
      expect(Math.round(res.history[0]!.seconds * res.history[0]!.examplesPerSecond)).toBeLessThan(rows);
    });
  }

  it('rejects bad input with clear messages', async () => {
    const ds = toyRatings();
    const model = fm(ds.schema.fieldDims);
    const other = new FieldSchema([
      { name: 'user', kind: 'categorical', cardinality: 4 },
      { name: 'item', kind: 'categorical', cardinality: 4 },
    ]);
    await expect(fit(model, fromPairs(other, [[3, 1, 2]]), { validation: false })).rejects.toThrow(
      /fieldDims \[4, 4\] \(fields user, item\).*built for fieldDims \[3, 4\]/,
    );
    const badLabel = new SparseDataset({ schema: ds.schema, labels: Float32Array.of(NaN), offsets: Int32Array.of(0, 2), ids: Int32Array.of(0, 3), values: Float32Array.of(1, 1) }, { validate: false });
    await expect(fit(model, badLabel, { validation: false })).rejects.toThrow(/row 0 has label NaN/);
    const badId = new SparseDataset({ schema: ds.schema, labels: Float32Array.of(1), offsets: Int32Array.of(0, 2), ids: Int32Array.of(0, 9), values: Float32Array.of(1, 1) }, { validate: false });
    await expect(fit(model, badId, { validation: false })).rejects.toThrow(/feature id 9, beyond the model's vocabulary \[0, 7\)/);
    const wide = new SparseDataset({ schema: ds.schema, labels: Float32Array.of(1), offsets: Int32Array.of(0, 3), ids: Int32Array.of(0, 3, 4), values: Float32Array.of(1, 1, 1) });
    await expect(fit(model, wide, { validation: false })).rejects.toThrow(/up to 3 features but the model "fm" takes width 2/);
    const unnamed = new FieldSchema([
      { name: 'a', kind: 'categorical', cardinality: 3 },
      { name: 'b', kind: 'categorical', cardinality: 2 },
      { name: 'c', kind: 'categorical', cardinality: 2 },
    ]);
    const three = new SparseDataset({ schema: unnamed, labels: Float32Array.of(1), offsets: Int32Array.of(0, 3), ids: Int32Array.of(0, 3, 5), values: Float32Array.of(1, 1, 1) });
    await expect(fit(fm(unnamed.fieldDims), three, { task: 'ranking', validation: false })).rejects.toThrow(/cannot tell the user field.*fields: a, b, c/);
    await expect(fit(model, ds, { task: 'binary', validation: false })).rejects.toThrow(/binary label in \[0, 1\]/);
    await expect(fit(model, ds, { earlyStopping: { metric: 'auc' } })).rejects.toThrow(/not available for task regression/);
    await expect(fit(model, ds, { validation: false, learningRate: 1e6, optimizer: 'sgd', epochs: 50 })).rejects.toThrow(/lower the learning rate/);
  });
});
