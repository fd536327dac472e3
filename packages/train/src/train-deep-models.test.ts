// Train-to-better-than-FM checks of the deep models through fit's tfjs engine, on a generator whose planted target
// is a non-polynomial function of the fields (FM models only main effects and pairwise products).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, pickModelConfig, type ModelKind } from '@fm/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitAndTest, plantedFactors, plantedSplits, type PlantedSplits } from './test-utils/planted.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

async function testRmse(kind: ModelKind, data: PlantedSplits): Promise<number> {
  const model = createModel(kind, pickModelConfig(kind, { fieldDims: data.train.schema.fieldDims, embeddingDim: 4, hiddenUnits: [32, 16], seed: 3, initStd: 0.1 }));
  return (await fitAndTest(model, data)).rmse;
}

describe('fit, tfjs engine: deep models beat FM on a non-polynomial target', () => {
  // y = 2·|a₀ + a₁ + a₂|, a_f a planted scalar per id: not a sum of main effects and low-rank pairwise products,
  // which is all FM can fit (about 6% of its variance is even a 3-way interaction)
  const fieldDims = [10, 10, 10];
  const a = plantedFactors(fieldDims, 1, 1, 41);
  const data = plantedSplits(fieldDims, (l) => 2 * Math.abs(l.reduce((s, id, f) => s + (a[f]?.[id]?.[0] as number), 0)), {
    train: 2000,
    validation: 400,
    test: 1000,
    noise: 0.1,
    seed: 4,
  });
  let fm = 0;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    fm = await testRmse('fm', data);
  });

  it.each(['fnn', 'wide-deep', 'ipnn', 'opnn'] as ModelKind[])('%s', async (kind) => {
    expect(await testRmse(kind, data)).toBeLessThan(0.7 * fm);
  });
});
