import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { predict } from './predict.js';
import { syntheticRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('predict', () => {
  it('runs one forward pass per batch on the tfjs engine and matches a single whole-set pass', async () => {
    const ds = syntheticRatings(20, 15, 250, 3);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 5 });
    // A LayersModel splits predict() into 32-row passes unless told the batch size: count the passes
    // through the output layer.
    const output = model.layers[model.layers.length - 1] as tf.layers.Layer;
    const passes = vi.spyOn(output, 'apply');
    const scores = await predict(model, ds, { batchSize: 100, engine: 'tfjs' });
    expect(passes).toHaveBeenCalledTimes(3); // 250 rows in batches of 100, not 8 + 8 + 2 passes of ≤ 32 rows
    passes.mockRestore();
    // Reference: the model applied once to all rows.
    const dense = ds.denseBatchOf(undefined, 0, ds.numRows, undefined, 2);
    const ref = tf.tidy(() =>
      (model.apply([tf.tensor2d(dense.ids, [ds.numRows, 2], 'int32'), tf.tensor2d(dense.values, [ds.numRows, 2])]) as tf.Tensor).reshape([-1]),
    );
    const want = (await ref.data()) as Float32Array;
    ref.dispose();
    scores.forEach((s, i) => expect(s).toBeCloseTo(want[i] as number, 5));
    model.dispose();
  });
});
