// Building blocks of the model factories (createModel and the per-kind factories); not part of the public API.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './create-model.js';
import { checkFieldDims } from './field-dims.js';
import { subSeed } from './layer-args.js';
import { MultiLayerPerceptron } from './multi-layer-perceptron.js';

/**
 * The two symbolic inputs of every model: `ids` int32 `[B, W]` and `values` float32 `[B, W]`.
 * @internal
 */
export function modelInputs(config: ModelConfig, defaultWidth: number): [tf.SymbolicTensor, tf.SymbolicTensor] {
  const width = config.width ?? defaultWidth;
  if (!Number.isInteger(width) || width <= 0) throw new Error(`createModel: width must be a positive integer, got ${width}`);
  return [
    tf.input({ shape: [width], dtype: 'int32', name: 'ids' }),
    tf.input({ shape: [width], dtype: 'float32', name: 'values' }),
  ];
}

/**
 * The model: the sum of the terms (each `[B, 1]`), named after its kind.
 * @internal
 */
export function finish(kind: string, inputs: tf.SymbolicTensor[], terms: tf.SymbolicTensor[]): tf.LayersModel {
  const output = terms.length === 1 ? (terms[0] as tf.SymbolicTensor) : (tf.layers.add().apply(terms) as tf.SymbolicTensor);
  return tf.model({ inputs, outputs: output, name: kind });
}

/**
 * The checked options every embedding table takes (fieldDims, k, seed, initStd, the model kind).
 * @internal
 */
export function common(config: ModelConfig, kind: string) {
  const fieldDims = checkFieldDims(`create model '${kind}'`, config.fieldDims);
  return {
    fieldDims,
    embeddingDim: config.embeddingDim ?? 16,
    seed: config.seed,
    modelKind: kind,
    ...(config.initStd === undefined ? {} : { initStd: config.initStd }),
  };
}

/**
 * Hidden layer sizes of the MLP of DeepFM and the deep models (FNN, Wide & Deep, IPNN, OPNN) when the config
 * gives none.
 * @internal
 */
export const DEFAULT_HIDDEN_UNITS: readonly number[] = [64, 32];

/**
 * The deep tower of a model: an MLP with one linear output, from the config's hiddenUnits (default
 * `defaultHidden`), dropout and batchNorm, seeded from the model seed.
 * @internal
 */
export function deepTower(config: ModelConfig, defaultHidden: readonly number[]): MultiLayerPerceptron {
  return new MultiLayerPerceptron({
    hiddenUnits: config.hiddenUnits ?? [...defaultHidden],
    outputUnits: 1,
    dropout: config.dropout ?? 0,
    batchNorm: config.batchNorm ?? false,
    seed: subSeed(config.seed, 1),
  });
}
