import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { createModel } from '@fm/layers';
import { describe, expect, it } from 'vitest';
import { fit } from '../../fit.js';
import '../../node.js';
import { NativeModel } from './native-model.js';
import { defaultNativeThreads, hogwildRunner } from './hogwild.js';
import { createNativeParams } from './params.js';
import { nativePredict } from './predict.js';
import { createNativeState } from './state.js';
import { plantedDataset } from './test-utils/brute-force.js';
import { OPTIMIZER_DEFAULTS } from '../../defaults.js';
import { localRunner } from './runner.js';

const logLoss = (s: Float32Array, y: Float32Array) => s.reduce((a, x, i) => a + Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0) - x * (y[i] as number), 0) / s.length;

describe('Hogwild worker threads', () => {
  it('2 threads reach a loss close to 1 thread, updating the shared parameters in place', async () => {
    const dims = [50, 40, 30];
    const all = plantedDataset(dims, 23000, 11, 'binary', true);
    const train = all.slice(0, 20000);
    const test = all.slice(20000);
    const settings = { task: 'binary' as const, optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: 0.1 }, l2: { bias: 0, linear: 1e-5, factors: 1e-5 }, batchSize: 32, negatives: 0 };
    const run = async (threads: number) => {
      const p = createNativeParams('fm', dims, 4, { seed: 1, initStd: 0.1, shared: true });
      const state = createNativeState(p, 'adagrad', settings.optimizer, true);
      const runner = threads > 1 ? await hogwildRunner(p, state, settings, threads) : localRunner(p, state, settings);
      const order = Int32Array.from({ length: train.numRows }, (_, i) => i);
      let examples = 0;
      for (let e = 0; e < 4; e++) {
        const out = await runner.run(train, order, 0, order.length, undefined, state.step[0] as number);
        state.step[0] = (state.step[0] as number) + (out[3] as number);
        examples = out[2] as number;
      }
      await runner.close();
      return { loss: logLoss(nativePredict(p, test), test.labels), examples, threads: runner.threads };
    };
    const one = await run(1);
    const two = await run(2);
    expect(two.threads).toBe(2);
    expect(two.examples).toBe(20000);
    expect(Math.abs(two.loss - one.loss)).toBeLessThan(0.02);
    expect(two.loss).toBeLessThan(0.69); // well below the constant predictor (log 2)
  });

  it("'auto' keeps small tables on one thread (Hogwild would fight over the same cache lines)", () => {
    expect(defaultNativeThreads({ floats: (943 + 1682) * 65, k: 64 }, 180_000)).toBe(1);
  });

  it.each(['fm', 'ffm'] as const)("%s: fit gives a LayersModel the threads it gives the same NativeModel (the policy sees the table's real size)", async (kind) => {
    // 1M features at k = 4: a table of 20 MB (FM) / 40+ MB (FFM, 2 fields) and ≥ 1M multiply-adds an epoch
    const schema = new FieldSchema([
      { name: 'a', kind: 'categorical', cardinality: 500_000 },
      { name: 'b', kind: 'categorical', cardinality: 500_000 },
    ]);
    const rows = 150_000;
    const rng = new Rng(3);
    const ids = new Int32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      ids[2 * r] = rng.int(500_000);
      ids[2 * r + 1] = 500_000 + rng.int(500_000);
    }
    const ds = new SparseDataset({ schema, offsets: Int32Array.from({ length: rows + 1 }, (_, r) => 2 * r), ids, values: new Float32Array(rows * 2).fill(1), labels: Float32Array.from({ length: rows }, () => rng.int(2)) });
    const opts = { task: 'binary', epochs: 1, validation: false } as const;
    const layers = createModel(kind, { fieldDims: schema.fieldDims, embeddingDim: 4, seed: 1 });
    const a = await fit(layers, ds, opts);
    const b = await fit(NativeModel.create(kind, { fieldDims: schema.fieldDims, embeddingDim: 4, seed: 1 }), ds, opts);
    expect(a.threads).toBe(b.threads);
    expect(a.threads).toBe(defaultNativeThreads({ floats: 1_000_000 * (1 + (kind === 'ffm' ? 8 : 4)), k: 4 }, rows * 2));
    layers.dispose();
  });
});
