import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AnovaKernel,
  AttentionalFactorizationMachine,
  BiasedMatrixFactorization,
  DecomposedInnerProduct,
  BilinearInteraction,
  CompressedInteractionNetwork,
  CrossLayer,
  CrossLayerV2,
  FactorizationMachine,
  FeaturesEmbedding,
  FeaturesLinear,
  FieldAwareFactorizationMachine,
  FieldMatrixedFactorizationMachine,
  FieldSumPooling,
  FieldWeightedFactorizationMachine,
  InnerProductInteraction,
  OuterProductInteraction,
  LogarithmicTransformation,
  MultiHeadSelfAttention,
  MultiLayerPerceptron,
  SqueezeExcitation,
} from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 4];
const ids = tf.tensor2d([[0, 5], [2, 3]], [2, 2], 'int32');
const values = tf.tensor2d([[1, 0.5], [2, 1]]);
const emb = tf.randomNormal([2, 2, 3], 0, 1, 'float32', 1);

type LayerClass = tf.serialization.SerializableConstructor<tf.layers.Layer>;
const cases: [string, tf.layers.Layer, tf.Tensor | tf.Tensor[]][] = [
  ['FeaturesEmbedding', new FeaturesEmbedding({ fieldDims, embeddingDim: 3, seed: 4, initStd: 0.2, modelKind: 'fm' }), ids],
  ['FeaturesLinear', new FeaturesLinear({ fieldDims, modelKind: 'lr' }), [ids, values]],
  ['FactorizationMachine', new FactorizationMachine({ reduceSum: false }), [emb, values]],
  ['FieldAwareFactorizationMachine', new FieldAwareFactorizationMachine({ fieldDims, embeddingDim: 2, seed: 1 }), [ids, values]],
  ['AttentionalFactorizationMachine', new AttentionalFactorizationMachine({ attentionSize: 4, dropout: 0.1, seed: 2 }), [emb, values]],
  ['BiasedMatrixFactorization', new BiasedMatrixFactorization({ fieldDims, embeddingDim: 2, ratingRange: [1, 5] }), [ids, values]],
  ['MultiLayerPerceptron', new MultiLayerPerceptron({ hiddenUnits: [3, 2], outputUnits: 1, batchNorm: true, dropout: 0.2, seed: 3 }), emb],
  ['AnovaKernel', new AnovaKernel({ degree: 3, reduceSum: false }), [emb, values]],
  ['FieldSumPooling', new FieldSumPooling({ fieldDims }), [ids, emb]],
  ['FieldWeightedFactorizationMachine', new FieldWeightedFactorizationMachine({ fieldDims }), [ids, emb, values]],
  ['FieldMatrixedFactorizationMachine', new FieldMatrixedFactorizationMachine({ fieldDims }), [ids, emb, values]],
  ['InnerProductInteraction', new InnerProductInteraction(), emb],
  ['OuterProductInteraction', new OuterProductInteraction(), emb],
  ['DecomposedInnerProduct', new DecomposedInnerProduct({ units: 3, seed: 5 }), emb],
  ['CrossLayer', new CrossLayer({ seed: 5 }), [emb, emb]],
  ['CrossLayerV2', new CrossLayerV2({ rank: 2, seed: 6 }), emb],
  ['CompressedInteractionNetwork', new CompressedInteractionNetwork({ layerSizes: [4, 3], splitHalf: true, activation: 'relu', seed: 7 }), emb],
  ['MultiHeadSelfAttention', new MultiHeadSelfAttention({ heads: 2, headDim: 2, residual: false, seed: 8 }), [emb, values]],
  ['LogarithmicTransformation', new LogarithmicTransformation({ units: 3, epsilon: 1e-6, seed: 9 }), [emb, values]],
  ['SqueezeExcitation', new SqueezeExcitation({ reduction: 2, seed: 10 }), emb],
  ['BilinearInteraction', new BilinearInteraction({ bilinearType: 'field-each', seed: 11 }), emb],
];

describe.each(cases)('%s', (name, layer, input) => {
  it('getConfig → fromConfig round trips (config and, with copied weights, outputs)', () => {
    const out = layer.apply(input) as tf.Tensor;
    const config = layer.getConfig();
    const cls = tf.serialization.SerializationMap.getMap().classNameMap[name]?.[0] as LayerClass | undefined;
    if (cls === undefined) throw new Error(`${name} is not registered`);
    const copy = tf.layers.Layer.fromConfig(cls, config) as tf.layers.Layer;
    expect(copy.getConfig()).toEqual(config);
    expect(copy.getClassName()).toBe(name);
    copy.apply(input);
    copy.setWeights(layer.getWeights());
    const again = copy.apply(input) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(out.dataSync()));
  });
});
