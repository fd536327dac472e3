import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@fm/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import { predict } from './predict.js';
import { toyRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('fit on wasm', () => {
  it('trains the toy table with row-wise Adam (kernels exist on wasm)', async () => {
    const ds = toyRatings();
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 3, initStd: 0.1 });
    const res = await fit(model, ds, { epochs: 200, batchSize: 7, learningRate: 0.05, l2: 0, validation: false });
    expect(res.backend).toBe('wasm');
    const p = await predict(model, ds);
    let mse = 0;
    p.forEach((x, i) => (mse += (x - ds.labels[i]!) ** 2 / p.length));
    expect(mse).toBeLessThan(0.05);
  });
});
