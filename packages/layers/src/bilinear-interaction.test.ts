import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BILINEAR_TYPES, bilinearInteraction, pairIndices } from './index.js';
import { gradientCheckFails, layerGradientChecks } from './test-utils/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BilinearInteraction', () => {
  const emb = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);

  it.each(BILINEAR_TYPES.map((t) => [t]))('%s: p_ij = (v_i W) ⊙ v_j by loops, pairs in pairIndices order', (bilinearType) => {
    const layer = bilinearInteraction({ bilinearType, seed: 2 });
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][][];
    const kernel = layer.getWeights()[0]?.arraySync() as number[][] | number[][][];
    expect(layer.weights[0]?.shape).toEqual(bilinearType === 'field-all' ? [3, 3] : bilinearType === 'field-each' ? [5, 3, 3] : [10, 3, 3]);
    const { rows, cols } = pairIndices(5);
    const e = emb.arraySync() as number[][][];
    e.forEach((example, b) => {
      rows.forEach((i, p) => {
        const j = cols[p] as number;
        const w = (bilinearType === 'field-all' ? kernel : (kernel as number[][][])[bilinearType === 'field-each' ? i : p]) as number[][];
        for (let c = 0; c < 3; c++) {
          let vw = 0;
          for (let d = 0; d < 3; d++) vw += (example[i]?.[d] as number) * (w[d]?.[c] as number);
          expect(out[b]?.[p]?.[c]).toBeCloseTo(vw * (example[j]?.[c] as number), 4);
        }
      });
    });
  });

  it.each(BILINEAR_TYPES.map((t) => [t]))('%s over a list of two inputs: each input its own kernels, outputs input by input', (bilinearType) => {
    const other = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 8);
    const layer = bilinearInteraction({ bilinearType, seed: 4 });
    const out = (layer.apply([emb, other]) as tf.Tensor).arraySync() as number[][][];
    expect(layer.computeOutputShape([[null, 5, 3], [null, 5, 3]])).toEqual([null, 20, 3]);
    const kernel = layer.getWeights()[0]?.arraySync() as number[][][];
    expect(layer.weights[0]?.shape).toEqual(bilinearType === 'field-all' ? [2, 3, 3] : bilinearType === 'field-each' ? [10, 3, 3] : [20, 3, 3]);
    const { rows, cols } = pairIndices(5);
    [emb, other].forEach((input, t) => {
      const e = input.arraySync() as number[][][];
      e.forEach((example, b) => {
        rows.forEach((i, p) => {
          const j = cols[p] as number;
          const w = kernel[bilinearType === 'field-all' ? t : bilinearType === 'field-each' ? t * 5 + i : t * 10 + p] as number[][];
          for (let c = 0; c < 3; c++) {
            let vw = 0;
            for (let d = 0; d < 3; d++) vw += (example[i]?.[d] as number) * (w[d]?.[c] as number);
            expect(out[b]?.[t * 10 + p]?.[c]).toBeCloseTo(vw * (example[j]?.[c] as number), 4);
          }
        });
      });
    });
    expect(gradientCheckFails(layerGradientChecks(layer, [emb, other]))).toEqual([]);
  });

  it.each(BILINEAR_TYPES.map((t) => [t]))('%s: gradients of every weight match finite differences', (bilinearType) => {
    expect(gradientCheckFails(layerGradientChecks(bilinearInteraction({ bilinearType, seed: 3 }), emb))).toEqual([]);
  });

  it('rejects an unknown type and a single slot', () => {
    expect(() => bilinearInteraction({ bilinearType: 'pairs' as 'field-all' })).toThrow(/bilinearType/);
    expect(() => bilinearInteraction().apply(tf.zeros([1, 1, 3]))).toThrow(/m ≥ 2/);
  });
});
