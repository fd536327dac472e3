import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { factorScorer, modelScorer, popularityScorer, type PredictingModel } from './index.js';
import { useBackend } from './test-utils/backend.js';

beforeAll(() => useBackend('cpu'));

async function rows(t: tf.Tensor): Promise<number[][]> {
  const a = (await t.array()) as number[][];
  t.dispose();
  return a;
}

describe('factorScorer', () => {
  // P = [[1, 0], [0, 2]], Q = [[1, 1], [2, 0], [0, −1]]; b_u = [0.5, −1], b_i = [0, 1, 2], b = 3
  // ⟨p_0, q⟩ = [1, 2, 0], ⟨p_1, q⟩ = [2, 0, −2]
  // user 0: [1, 2, 0] + 0.5 + [0, 1, 2] + 3 = [4.5, 6.5, 5.5]; user 1: [2, 0, −2] − 1 + [0, 1, 2] + 3 = [4, 3, 2]
  it('computes ⟨p_u, q_i⟩ + b_u + b_i + b for all items and for an item subset', async () => {
    const P = tf.tensor2d([[1, 0], [0, 2]]);
    const Q = tf.tensor2d([[1, 1], [2, 0], [0, -1]]);
    const bu = tf.tensor1d([0.5, -1]);
    const bi = tf.tensor1d([0, 1, 2]);
    const before = tf.memory().numTensors;
    const s = factorScorer(P, Q, { userBias: bu, itemBias: bi, globalBias: 3 });
    expect(s.numItems).toBe(3);
    expect(await rows(s.scoreMatrix(Int32Array.of(1, 0)))).toEqual([[4, 3, 2], [4.5, 6.5, 5.5]]);
    expect(await rows(s.scoreMatrix(Int32Array.of(0), Int32Array.of(2, 0)))).toEqual([[5.5, 4.5]]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => s.scoreMatrix(Int32Array.of(2))).toThrow(/users\[0\] = 2 is outside \[0, 2\)/);
    tf.dispose([P, Q, bu, bi]);
  });
  it('rejects mismatched factor widths', () => {
    const P = tf.zeros([2, 3]) as tf.Tensor2D;
    const Q = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => factorScorer(P, Q)).toThrow(/3 columns but item factors have 2/);
    tf.dispose([P, Q]);
  });
});

/** A linear model written with tf ops: y = Σ_slots w[id] · value. */
function linearModel(w: number[]): PredictingModel & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    predict([ids, values]: tf.Tensor[]) {
      calls.push((ids as tf.Tensor).shape[0] as number);
      return tf.tidy(() => {
        const g = tf.gather(tf.tensor1d(w), ids as tf.Tensor);
        return tf.sum(values ? tf.mul(g, values) : g, 1, true); // [P, 1]
      });
    },
  };
}

describe('modelScorer', () => {
  // global ids: users 0..1 → 0..1, items 0..2 → 2..4, one extra feature "age" → 5 with value = user + 1
  const w = [0.1, 0.2, 1, 2, 3, 10];
  const userId = (u: number) => u;
  const itemId = (i: number) => 2 + i;
  it('encodes each pair as [user, item] one-hots and predicts in batches', async () => {
    const model = linearModel(w);
    const s = modelScorer(model, { numItems: 3, userId, itemId, batchSize: 4 });
    const before = tf.memory().numTensors;
    // score(u, i) = w[u] + w[2 + i]
    const m = await rows(s.scoreMatrix(Int32Array.of(0, 1)));
    const expected = [0, 1].map((u) => [0, 1, 2].map((i) => (w[u] as number) + (w[2 + i] as number)));
    m.forEach((r, u) => r.forEach((v, i) => expect(v).toBeCloseTo(expected[u]![i]!, 5)));
    expect(model.calls).toEqual([4, 2]); // 6 pairs in batches of 4
    const p = s.scorePairs?.(Int32Array.of(1), Int32Array.of(2)) as tf.Tensor1D;
    expect((await p.data())[0]).toBeCloseTo(0.2 + 3, 5);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('runs one forward pass of a tf.LayersModel per batch (not 32-row passes) with the same scores', async () => {
    // A linear model as a real tf.LayersModel: score = w[user] + w[item] (one-dimensional embedding,
    // weighted by the values, summed by a dense layer of ones).
    const ids = tf.input({ shape: [2], dtype: 'int32' });
    const values = tf.input({ shape: [2] });
    const w = tf.layers.embedding({ inputDim: 70, outputDim: 1, embeddingsInitializer: tf.initializers.randomNormal({ seed: 3 }) });
    const weighted = tf.layers.multiply().apply([tf.layers.flatten().apply(w.apply(ids)) as tf.SymbolicTensor, values]) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones' });
    const model = tf.model({ inputs: [ids, values], outputs: output.apply(weighted) as tf.SymbolicTensor });
    const s = modelScorer(model, { numItems: 40, userId: (u) => u, itemId: (i) => 30 + i, batchSize: 100 });
    const passes = vi.spyOn(output, 'apply');
    const users = [0, 7, 29, 3, 11];
    const m = await rows(s.scoreMatrix(Int32Array.from(users))); // 200 pairs
    expect(passes).toHaveBeenCalledTimes(2); // batches of 100 (a bare predict() would make 8 passes)
    passes.mockRestore();
    // Reference: the embedding table read back, w[user] + w[30 + item].
    const table = (await w.getWeights()[0]!.data()) as Float32Array;
    m.forEach((r, u) => r.forEach((v, i) => expect(v).toBeCloseTo(table[users[u]!]! + table[30 + i]!, 5)));
    model.dispose();
  });
  it('appends extra features and can pass ids only', async () => {
    const extra = {
      width: 1,
      fill(user: number, _item: number, ids: Int32Array, values: Float32Array, offset: number) {
        ids[offset] = 5;
        values[offset] = user + 1;
      },
    };
    const s = modelScorer(linearModel(w), { numItems: 3, userId, itemId, extra });
    // user 1, item 0: 0.2 + 1 + 10·2 = 21.2
    const m = await rows(s.scoreMatrix(Int32Array.of(1), Int32Array.of(0)));
    expect(m[0]![0]).toBeCloseTo(21.2, 4);
    const idsOnly = modelScorer(linearModel(w), { numItems: 3, userId, itemId, extra, inputs: 'ids' });
    // ids only: every slot weighs 1: 0.2 + 1 + 10
    expect((await rows(idsOnly.scoreMatrix(Int32Array.of(1), Int32Array.of(0))))[0]![0]).toBeCloseTo(11.2, 4);
  });
  it('reports wrong output shapes and bad ids', () => {
    const bad: PredictingModel = { predict: ([ids]) => tf.zeros([(ids as tf.Tensor).shape[0] as number, 2]) };
    const s = modelScorer(bad, { numItems: 3, userId, itemId });
    expect(() => s.scoreMatrix(Int32Array.of(0))).toThrow(/predict returned shape \[3,2\] for 3 rows/);
    const s2 = modelScorer(linearModel(w), { numItems: 3, userId: () => -1, itemId });
    expect(() => s2.scoreMatrix(Int32Array.of(0))).toThrow(/userId\(0\) returned -1/);
  });
});

describe('popularityScorer', () => {
  it('scores every user with the training count of each item', async () => {
    // item 0 seen twice, item 2 three times, item 1 never
    const s = popularityScorer(Int32Array.of(0, 2, 2, 0, 2), 3);
    expect(await rows(s.scoreMatrix(Int32Array.of(5, 9)))).toEqual([[2, 0, 3], [2, 0, 3]]);
    expect(await rows(s.scoreMatrix(Int32Array.of(5), Int32Array.of(2, 1)))).toEqual([[3, 0]]);
    expect(() => popularityScorer(Int32Array.of(3), 3)).toThrow(/trainItems\[0\] is 3, expected an integer id in \[0, 3\)/);
  });
});
