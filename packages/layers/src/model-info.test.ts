import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, itemFactors, pickModelConfig, modelFieldDims, modelKind, parameterGroup, sparseTables, userFactors } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 4, 2];
const n = 9;
const tail = (w: tf.LayerVariable) => w.name.split('/').pop();

describe('parameterGroup', () => {
  it('maps weight names to libFM groups', () => {
    expect(parameterGroup('features_linear1/bias')).toBe('bias');
    expect(parameterGroup('features_linear1/linear_2')).toBe('linear');
    expect(parameterGroup('features_embedding3/embedding')).toBe('factors');
    expect(parameterGroup('multi_layer_perceptron1/dense_kernel_0')).toBe('dense');
    expect(parameterGroup('dense_Dense1/bias')).toBe('dense');
    expect(parameterGroup('attentional_factorization_machine1/attention_bias')).toBe('dense');
  });

  it('classifies every weight of the built-in models', () => {
    const groups = (kind: Parameters<typeof createModel>[0]) =>
      Object.fromEntries(createModel(kind, pickModelConfig(kind, { fieldDims, hiddenUnits: [2] })).trainableWeights.map((w) => [tail(w), parameterGroup(w)]));
    expect(groups('fm')).toEqual({ linear: 'linear', bias: 'bias', embedding: 'factors' });
    expect(groups('mf')).toEqual({ embedding: 'factors', linear: 'linear', bias: 'bias' });
    expect(groups('nfm')).toMatchObject({ linear: 'linear', bias: 'bias', embedding: 'factors', dense_kernel_0: 'dense', dense_bias_out: 'dense' });
  });
});

describe('sparseTables', () => {
  it('returns the [n, ·] tables read through gatherRows, and nothing dense', () => {
    const cases: [Parameters<typeof createModel>[0], [string, number[]][]][] = [
      ['lr', [['linear', [n, 1]]]],
      ['fm', [['linear', [n, 1]], ['embedding', [n, 5]]]],
      ['ffm', [['linear', [n, 1]], ['embedding', [n, 15]]]],
      ['mf', [['embedding', [n, 5]], ['linear', [n, 1]]]],
      ['deepfm', [['linear', [n, 1]], ['embedding', [n, 5]]]],
      ['afm', [['linear', [n, 1]], ['embedding', [n, 5]]]],
    ];
    for (const [kind, expected] of cases) {
      const tables = sparseTables(createModel(kind, pickModelConfig(kind, { fieldDims, embeddingDim: 5, hiddenUnits: [n] })));
      // (hiddenUnits [n] makes dense_kernel_out [n, 1]: it must be excluded by name, not by shape)
      const sorted = (xs: [string, number[]][]) => [...xs].sort((a, b) => a[0].localeCompare(b[0]));
      expect(sorted(tables.map((w) => [tail(w) as string, w.shape as number[]]))).toEqual(sorted(expected));
    }
  });
});

describe('metadata and factors', () => {
  it('reads fieldDims and kind, and fails clearly on a foreign model', () => {
    const model = createModel('ffm', { fieldDims });
    expect(modelFieldDims(model)).toEqual(fieldDims);
    expect(modelKind(model)).toBe('ffm');
    const input = tf.input({ shape: [2] });
    const foreign = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor });
    expect(() => modelFieldDims(foreign)).toThrow(/no layer with a fieldDims config/);
    expect(modelKind(foreign)).toBeUndefined();
  });

  it('itemFactors / userFactors are the rows of the item / user fields', () => {
    for (const kind of ['fm', 'mf'] as const) {
      const model = createModel(kind, { fieldDims, embeddingDim: 3, seed: 1 });
      const table = (model.trainableWeights.find((w) => tail(w) === 'embedding') as tf.LayerVariable).read().arraySync() as number[][];
      expect(itemFactors(model).arraySync()).toEqual(table.slice(3, 7));
      expect(userFactors(model).arraySync()).toEqual(table.slice(0, 3));
      expect(itemFactors(model, 2).arraySync()).toEqual(table.slice(7, 9));
    }
  });

  it('for FFM returns the block towards the other field', () => {
    const k = 2;
    const model = createModel('ffm', { fieldDims, embeddingDim: k, seed: 1 });
    const table = (model.trainableWeights.find((w) => tail(w) === 'embedding') as tf.LayerVariable).read().arraySync() as number[][];
    expect(itemFactors(model).arraySync()).toEqual(table.slice(3, 7).map((r) => r.slice(0, k)));
    expect(userFactors(model).arraySync()).toEqual(table.slice(0, 3).map((r) => r.slice(k, 2 * k)));
    expect(() => itemFactors(model, 5)).toThrow(/out of range/);
  });
});
