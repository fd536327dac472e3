import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldAwareFactorizationMachine } from './index.js';
import { bruteForceFFM, finiteDifferenceCheck, randomBatch } from './test-utils/reference.js';
import { maxAbsDiff, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const FIELD_DIMS = [3, 4, 2];
const K = 3;
const WIDTH = 5; // three fields plus multi-hot extra slots, padded

describe.each(['cpu', 'wasm'])('field-aware pairs kernel on %s (through FieldAwareFactorizationMachine)', (backend) => {
  it('equals the brute-force FFM sum and the one-hot composition, padding included', async () => {
    await tf.setBackend(backend);
    const layer = fieldAwareFactorizationMachine({ fieldDims: FIELD_DIMS, embeddingDim: K, seed: 3, initStd: 0.5 });
    const batch = randomBatch(FIELD_DIMS, 6, WIDTH, 4);
    const ids = tf.tensor2d(batch.ids, undefined, 'int32');
    const values = tf.tensor2d(batch.values);
    const out = layer.apply([ids, values]) as tf.Tensor;
    const table = (layer.getWeights()[0] as tf.Tensor).arraySync() as number[][];
    const got = out.dataSync();
    batch.ids.forEach((row, b) => expect(got[b]).toBeCloseTo(bruteForceFFM(table, FIELD_DIMS, K, row, batch.values[b] as number[]), 5));
    const composed = withoutKernels(['FmFieldAwarePairs'], () => layer.apply([ids, values]) as tf.Tensor);
    expect(maxAbsDiff(out, composed)).toBeLessThan(1e-5);
  });

  it('has the gradient of central finite differences, equal to that of the composition', async () => {
    await tf.setBackend(backend);
    const layer = fieldAwareFactorizationMachine({ fieldDims: FIELD_DIMS, embeddingDim: K, seed: 5, initStd: 0.5 });
    const batch = randomBatch(FIELD_DIMS, 4, WIDTH, 6);
    const ids = tf.tensor2d(batch.ids, undefined, 'int32');
    const values = tf.tensor2d(batch.values);
    layer.apply([ids, values]);
    const table = layer.trainableWeights[0]?.read() as tf.Variable;
    const f = () => tf.sum(tf.sin(layer.apply([ids, values]) as tf.Tensor)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [table], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const g = tf.variableGrads(f, [table]).grads[table.name] as tf.Tensor;
    const composed = withoutKernels(['FmFieldAwarePairs'], () => tf.variableGrads(f, [table]).grads[table.name] as tf.Tensor);
    expect(maxAbsDiff(g, composed)).toBeLessThan(1e-5);
  });
});
