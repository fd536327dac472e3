import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createModel, pickModelConfig, withZeroInit, type ModelKind } from './index.js';

const fieldDims = [4, 6, 3];
const nonZero = (m: tf.LayersModel) => m.weights.filter((w) => w.read().dataSync().some((x) => x !== 0)).map((w) => w.originalName);

describe('withZeroInit', () => {
  it.each(['ffm', 'deepfm', 'dcn-v2'] as ModelKind[])('%s: the random tables and kernels start at 0 inside, drawn outside', (kind) => {
    const config = pickModelConfig(kind, { fieldDims, embeddingDim: 4, seed: 5 });
    const drawn = createModel(kind, config);
    const zero = withZeroInit(() => createModel(kind, config));
    // the same weights, only their values differ: every weight drawn at random outside is 0 inside
    expect(zero.weights.map((w) => w.shape)).toEqual(drawn.weights.map((w) => w.shape));
    const random = nonZero(drawn).filter((n) => !/gamma|pair_weights/.test(n)); // ones() stays ones()
    expect(random.length).toBeGreaterThan(0);
    const rest = new Set(nonZero(zero));
    expect(random.filter((n) => rest.has(n))).toEqual([]);
    // and a model built after it draws again, the same as before
    const again = createModel(kind, config);
    expect(again.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(drawn.weights.map((w) => Array.from(w.read().dataSync())));
    for (const m of [drawn, zero, again]) m.dispose();
  });

  it('returns what it runs, and a throw inside leaves initialisers drawing', () => {
    expect(withZeroInit(() => 7)).toBe(7);
    expect(() =>
      withZeroInit(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    const m = createModel('fm', { fieldDims, embeddingDim: 4, seed: 1 });
    expect(nonZero(m).length).toBeGreaterThan(0);
  });
});
