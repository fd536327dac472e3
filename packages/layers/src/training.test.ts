import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, pickModelConfig, type ModelKind } from './index.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * The toy example of Rendle 2010 (Fig. 1), built by hand. Fields: user (A, B, C), movie (TI, NH, SW, ST),
 * other movies rated (multi-hot, normalised to sum 1), time (one numeric feature, months / 16), last movie
 * rated (TI, NH, SW, ST; absent on a user's first rating → padding).
 */
const fieldDims = [3, 4, 4, 1, 4];
const [USER, MOVIE, OTHER, TIME, LAST] = [0, 3, 7, 11, 12];
const [TI, NH, SW, ST] = [0, 1, 2, 3];
const rated: Record<number, [number, number][]> = {
  0: [[TI, 1 / 3], [NH, 1 / 3], [SW, 1 / 3]],
  1: [[SW, 1 / 2], [ST, 1 / 2]],
  2: [[TI, 1 / 2], [SW, 1 / 2]],
};
// [user, movie, month, last movie or -1, rating]
const rows: [number, number, number, number, number][] = [
  [0, TI, 13, -1, 5],
  [0, NH, 14, TI, 3],
  [0, SW, 16, NH, 1],
  [1, SW, 5, -1, 4],
  [1, ST, 8, SW, 5],
  [2, TI, 9, -1, 1],
  [2, SW, 12, TI, 5],
];
const width = 7;

function toyTable(): { ids: tf.Tensor2D; values: tf.Tensor2D; y: tf.Tensor2D } {
  const ids: number[][] = [];
  const values: number[][] = [];
  for (const [user, movie, month, last] of rows) {
    const slots: [number, number][] = [[USER + user, 1], [MOVIE + movie, 1]];
    for (const [m, x] of rated[user] ?? []) slots.push([OTHER + m, x]);
    slots.push([TIME, month / 16]);
    if (last >= 0) slots.push([LAST + last, 1]);
    while (slots.length < width) slots.push([0, 0]);
    ids.push(slots.map((s) => s[0]));
    values.push(slots.map((s) => s[1]));
  }
  return {
    ids: tf.tensor2d(ids, undefined, 'int32'),
    values: tf.tensor2d(values),
    y: tf.tensor2d(rows.map((r) => [r[4]])),
  };
}

function train(kind: ModelKind, steps: number): number {
  const { ids, values, y } = toyTable();
  const model = createModel(kind, pickModelConfig(kind, { fieldDims, width, embeddingDim: 4, seed: 7, initStd: 0.1, hiddenUnits: [8], attentionSize: 4 }));
  const optimizer = tf.train.adam(0.05);
  const mse = () => tf.losses.meanSquaredError(y, model.apply([ids, values], { training: true }) as tf.Tensor) as tf.Scalar;
  for (let step = 0; step < steps; step++) tf.tidy(() => void optimizer.minimize(mse));
  return tf.tidy(() => tf.losses.meanSquaredError(y, model.predict([ids, values]) as tf.Tensor).dataSync()[0] as number);
}

describe('training on the FM-paper toy table with Adam', () => {
  it('FM reaches MSE < 0.05 on cpu', async () => {
    await tf.setBackend('cpu');
    expect(train('fm', 300)).toBeLessThan(0.05);
  });

  it.each(['ffm', 'afm', 'nfm', 'deepfm'] as const)('%s reaches MSE < 0.05 on wasm (gradients without UnsortedSegmentSum)', async (kind) => {
    await tf.setBackend('wasm');
    expect(train(kind, 300)).toBeLessThan(0.05);
  });
});
