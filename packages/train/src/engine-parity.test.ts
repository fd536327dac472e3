import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelKind } from '@fm/layers';
import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import type { OptimizerName } from './optimizers.js';
import type { Task } from './losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** user × item × context rows, one feature per field, labels from a seeded rule. */
function toy(task: Task): SparseDataset {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: 6 },
    { name: 'item', kind: 'categorical', cardinality: 8 },
    { name: 'ctx', kind: 'categorical', cardinality: 3 },
  ]);
  const rng = new Rng(5);
  const rows = 40;
  const offsets = Int32Array.from({ length: rows + 1 }, (_, r) => 3 * r);
  const ids = new Int32Array(rows * 3);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const u = rng.int(6);
    const i = (u + rng.int(3)) % 8;
    const c = rng.int(3);
    ids.set([u, 6 + i, 14 + c], 3 * r);
    labels[r] = task === 'regression' ? 1 + ((u + 2 * i + c) % 5) : task === 'binary' ? (u + i) % 2 : 1;
  }
  return new SparseDataset({ schema, labels, offsets, ids, values: new Float32Array(rows * 3).fill(1) });
}

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('the native and tfjs engines follow the same trajectory for the same settings', () => {
  const cases: [ModelKind, Task, OptimizerName, number, number][] = [
    ['fm', 'regression', 'sgd', 1, 0.02],
    ['fm', 'regression', 'sgd', 5, 0.05],
    ['fm', 'regression', 'adam', 5, 0.01],
    ['fm', 'binary', 'adagrad', 4, 0.1],
    ['fm', 'binary', 'ftrl', 4, 0.1],
    ['lr', 'binary', 'adam', 8, 0.05],
    ['ffm', 'regression', 'adagrad', 4, 0.1],
    ['ffm', 'binary', 'adam', 1, 0.01],
    // FFM's default path: per-example AdaGrad, on the native engine the WebAssembly SIMD step (ffm-wasm.ts)
    ['ffm', 'binary', 'adagrad', 1, 0.1],
    ['fm', 'ranking', 'sgd', 1, 0.05],
    // not Adam on BPR: the shared (user) terms' exact gradient is 0, tfjs's float32 autodiff leaves
    // ~1e-9 of rounding that Adam's m/(√v + ε) turns into steps of ~0.1·lr; the native engine keeps 0
    ['fm', 'ranking', 'ftrl', 6, 0.05],
    ['ffm', 'ranking', 'adagrad', 3, 0.1],
  ];
  for (const [kind, task, optimizer, batchSize, learningRate] of cases) {
    it(`${kind} ${task} ${optimizer} batch ${batchSize}`, async () => {
      const ds = toy(task);
      const run = async (engine: 'native' | 'tfjs') => {
        const model = createModel(kind, { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 3, initStd: 0.3 });
        const res = await fit(model, ds, {
          engine, task, optimizer, batchSize, learningRate, epochs: 3, seed: 9, validation: false,
          l2: { bias: 0.01, linear: 0.02, factors: 0.03 },
        });
        expect(res.engine).toBe(engine);
        return { losses: res.history.map((h) => h.loss), weights: weightsOf(model), reason: res.engineReason };
      };
      const native = await run('native');
      if (kind === 'ffm' && optimizer === 'adagrad' && batchSize === 1) expect(native.reason).toContain('WebAssembly SIMD');
      const tfjs = await run('tfjs');
      native.losses.forEach((l, e) => expect(Math.abs(l - (tfjs.losses[e] as number))).toBeLessThan(1e-4 * Math.max(1, Math.abs(l))));
      native.weights.forEach((w, i) => w.forEach((x, j) => expect(Math.abs(x - (tfjs.weights[i]?.[j] as number))).toBeLessThan(2e-4)));
    });
  }
});
