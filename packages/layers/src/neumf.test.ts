import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNeuMF, sparseTables } from './index.js';
import { matMulJs } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('NeuMF', () => {
  const fieldDims = [4, 6];
  const ids = tf.tensor2d([[0, 4], [3, 9], [2, 5]], undefined, 'int32');
  const values = tf.tensor2d([[1, 1], [1, 0.5], [2, 1]]);

  it('equals b + w_u x_u + w_i x_i + hᵀ[p_u x_u ⊙ q_i x_i ; MLP(p′_u x_u, q′_i x_i)] from explicit dot products', () => {
    const model = createNeuMF({ fieldDims, embeddingDim: 3, hiddenUnits: [4, 2], seed: 1, initStd: 0.5 });
    model.trainableWeights.forEach((w, i) => w.write(tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', 20 + i))));
    const byName = new Map(model.trainableWeights.map((w) => [w.name, w.read().arraySync()]));
    const get = (pattern: RegExp) => {
      const hit = [...byName].find(([name]) => pattern.test(name));
      if (!hit) throw new Error(`no weight ${pattern}`);
      return hit[1];
    };
    const gmf = get(/^gmf_embedding\/embedding/) as number[][];
    const mlpTable = get(/^mlp_embedding\/embedding/) as number[][];
    const linear = get(/\/linear/) as number[][];
    const bias = (get(/features_linear\w*\/bias/) as number[])[0] as number;
    const [k0, b0, k1, b1] = [/dense_kernel_0/, /dense_bias_0/, /dense_kernel_1/, /dense_bias_1/].map(get) as [number[][], number[], number[][], number[]];
    const [kOut, bOut] = [get(/dense_kernel_out/) as number[][], get(/dense_bias_out/) as number[]];
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    const idRows = ids.arraySync();
    const x = values.arraySync();
    idRows.forEach(([u, i], b) => {
      const [xu, xi] = x[b] as [number, number];
      const gmfVec = (gmf[u as number] as number[]).map((p, c) => p * xu * ((gmf[i as number] as number[])[c] as number) * xi);
      const towerIn = [...(mlpTable[u as number] as number[]).map((p) => p * xu), ...(mlpTable[i as number] as number[]).map((q) => q * xi)];
      const h1 = (matMulJs([towerIn], k0)[0] as number[]).map((v, c) => Math.max(0, v + (b0[c] as number)));
      const h2 = (matMulJs([h1], k1)[0] as number[]).map((v, c) => Math.max(0, v + (b1[c] as number)));
      const fused = [...gmfVec, ...h2];
      const neural = (matMulJs([fused], kOut)[0]?.[0] as number) + (bOut[0] as number);
      const wide = bias + ((linear[u as number] as number[])[0] as number) * xu + ((linear[i as number] as number[])[0] as number) * xi;
      expect(out[b]).toBeCloseTo(wide + neural, 4);
    });
  });

  it('has two separate factor tables, both sparse (updated row-wise), plus the linear table', () => {
    const model = createNeuMF({ fieldDims, embeddingDim: 3, seed: 2 });
    expect(sparseTables(model).map((w) => w.name.replace(/_\d+$/, '').replace(/^features_linear\w*/, 'features_linear')).sort()).toEqual(
      ['features_linear/linear', 'gmf_embedding/embedding', 'mlp_embedding/embedding'],
    );
  });

  it('rejects a width other than 2', () => {
    expect(() => createNeuMF({ fieldDims, width: 3 })).toThrow(/\[B, 2\] \(user, item\)/);
  });
});
