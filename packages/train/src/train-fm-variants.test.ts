// Train-to-better-than-FM checks of the FM variants through fit's tfjs engine, each on a generator whose planted
// structure the variant can represent and FM (same k) cannot.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, type ModelConfig, type ModelKind } from '@fm/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldPairSum, fitAndTest, multilinear, plantedFactors, plantedSplits, type PlantedSplits } from './test-utils/planted.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Test RMSE of a model trained by fit (tfjs engine, Adam, early stopping on the validation rows). */
async function testRmse(kind: ModelKind, data: PlantedSplits, config: Partial<ModelConfig>): Promise<number> {
  const model = createModel(kind, { fieldDims: data.train.schema.fieldDims, seed: 3, initStd: 0.1, ...config });
  const { rmse, result } = await fitAndTest(model, data);
  expect(result.engine).toBe('tfjs');
  return rmse;
}

const sizes = { train: 2000, validation: 400, test: 1000, noise: 0.1 };

describe('fit, tfjs engine: FM variants beat FM on the structure they model', () => {
  it('HOFM (order 3) learns a planted 3-way interaction that FM cannot', async () => {
    const fieldDims = [10, 10, 10];
    const u = plantedFactors(fieldDims, 2, 1, 11);
    const main = plantedFactors(fieldDims, 1, 0.5, 12);
    const data = plantedSplits(fieldDims, (l) => multilinear(u, l, [0, 1, 2]) + l.reduce((s, id, f) => s + (main[f]?.[id]?.[0] as number), 0), { ...sizes, seed: 1 });
    const fm = await testRmse('fm', data, { embeddingDim: 4 });
    const hofm = await testRmse('hofm', data, { embeddingDim: 4 });
    expect(hofm).toBeLessThan(0.6 * fm);
    expect(hofm).toBeLessThan(0.35);
  });

  it('FwFM learns planted field-pair strengths (of both signs) that FM of the same k cannot', async () => {
    const fieldDims = [12, 12, 12, 12];
    const v = plantedFactors(fieldDims, 3, 1, 21);
    const r = [[0, 2, -1.5, 0], [0, 0, 0, -1.5], [0, 0, 0, 2], [0, 0, 0, 0]];
    const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const data = plantedSplits(fieldDims, (l) => fieldPairSum(v, l, (f, g) => eye.map((row) => row.map((x) => x * (r[f]?.[g] as number)))), { ...sizes, seed: 2 });
    const fm = await testRmse('fm', data, { embeddingDim: 3 });
    const fwfm = await testRmse('fwfm', data, { embeddingDim: 3 });
    expect(fwfm).toBeLessThan(0.6 * fm);
  });

  it('FmFM learns planted field-pair matrices that FM and FwFM of the same k cannot', async () => {
    const fieldDims = [12, 12, 12];
    const v = plantedFactors(fieldDims, 3, 1, 31);
    const m = plantedFactors([3, 3, 3], 3, 1, 32); // M_{0,1}, M_{0,2}, M_{1,2}: 3×3 each
    const pairOf = (f: number, g: number) => (f === 0 ? g - 1 : 2);
    const data = plantedSplits(fieldDims, (l) => fieldPairSum(v, l, (f, g) => m[pairOf(f, g)] as number[][]), { ...sizes, seed: 3 });
    const fm = await testRmse('fm', data, { embeddingDim: 3 });
    const fwfm = await testRmse('fwfm', data, { embeddingDim: 3 });
    const fmfm = await testRmse('fmfm', data, { embeddingDim: 3 });
    expect(fmfm).toBeLessThan(0.6 * Math.min(fm, fwfm));
  });
});
