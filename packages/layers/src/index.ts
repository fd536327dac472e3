// @fm/layers: TensorFlow.js layers and models for the factorization-machine family (platform-neutral).
export { gatherRows, withRowFeeds, type RowFeed } from './gather-rows.js';
export { checkFieldDims, fieldOffsets, featureCount, idToFieldTable } from './field-dims.js';
export { pairIndices } from './pair-indices.js';
export type { LayerArgs, CallKwargs } from './layer-args.js';
export { FeaturesEmbedding, featuresEmbedding, type FeaturesEmbeddingArgs } from './features-embedding.js';
export { FeaturesLinear, featuresLinear, type FeaturesLinearArgs } from './features-linear.js';
export { FactorizationMachine, factorizationMachine, type FactorizationMachineArgs } from './factorization-machine.js';
export {
  FieldAwareFactorizationMachine,
  fieldAwareFactorizationMachine,
  type FieldAwareFactorizationMachineArgs,
} from './field-aware-factorization-machine.js';
export {
  AttentionalFactorizationMachine,
  attentionalFactorizationMachine,
  type AttentionalFactorizationMachineArgs,
} from './attentional-factorization-machine.js';
export {
  BiasedMatrixFactorization,
  biasedMatrixFactorization,
  type BiasedMatrixFactorizationArgs,
} from './biased-matrix-factorization.js';
export { MultiLayerPerceptron, multiLayerPerceptron, type MultiLayerPerceptronArgs } from './multi-layer-perceptron.js';
export {
  createModel,
  createLR,
  createFM,
  createFFM,
  createAFM,
  createMF,
  createNFM,
  createDeepFM,
  MODEL_KINDS,
  type ModelKind,
  type ModelConfig,
} from './create-model.js';
export {
  parameterGroup,
  sparseTables,
  modelFieldDims,
  modelKind,
  itemFactors,
  userFactors,
  type ParameterGroup,
} from './model-info.js';
