import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_KINDS, createModel, pickModelConfig } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('no tensor leaks', () => {
  it.each(MODEL_KINDS.map((k) => [k]))('%s: predict and training steps keep the tensor count constant', (kind) => {
    const twoSlot = kind === 'mf' || kind === 'neumf';
    const width = twoSlot ? 2 : 3;
    const model = createModel(kind, pickModelConfig(kind, {
      fieldDims: [2, 3, 2], embeddingDim: 2, hiddenUnits: [2], dropout: 0.1, batchNorm: true, seed: 1,
      crossLayers: 2, cinLayerSizes: [2, 2], attentionLayers: 2, logNeurons: 2,
    }));
    const ids = tf.tensor2d(twoSlot ? [[0, 2], [1, 4]] : [[0, 2, 5], [1, 4, 0]], [2, width], 'int32');
    const values = tf.tensor2d(twoSlot ? [[1, 1], [1, 1]] : [[1, 1, 1], [1, 0.5, 0]]);
    const y = tf.tensor2d([[1], [0]]);
    const optimizer = tf.train.adam(0.01);
    const step = () => {
      tf.tidy(() => void optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply([ids, values], { training: true }) as tf.Tensor) as tf.Scalar));
      tf.dispose(model.predict([ids, values]));
    };
    step(); // creates the optimizer slots
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
