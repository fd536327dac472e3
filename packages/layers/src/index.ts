// @fm/layers: TensorFlow.js layers and models for the factorization-machine family (platform-neutral).
export { gatherRows, withRowFeeds, type RowFeed } from './gather-rows.js';
export { denseMatMul, addBias, reduceSum, reduceMean, sliceColumns } from './fast-ops.js';
export { relu } from './relu.js';
export { batchMatMul } from './batch-mat-mul.js';
export { headScores, headValues } from './head-products.js';
export { rowSoftmax } from './row-softmax.js';
export { checkFieldDims, fieldOffsets, featureCount, idToFieldTable } from './field-dims.js';
export { pairIndices, packedPairIndex } from './pair-indices.js';
export type { LayerArgs, CallKwargs } from './layer-args.js';
export { withZeroInit, DEFAULT_INIT_STD } from './layer-args.js';
export { normalDraws, randomNormalValues } from './random-normal-values.js';
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
export { AnovaKernel, anovaKernel, type AnovaKernelArgs } from './anova-kernel.js';
export { FieldSumPooling, fieldSumPooling, type FieldSumPoolingArgs } from './field-sum-pooling.js';
export {
  FieldWeightedFactorizationMachine,
  fieldWeightedFactorizationMachine,
  type FieldWeightedFactorizationMachineArgs,
} from './field-weighted-factorization-machine.js';
export {
  FieldMatrixedFactorizationMachine,
  fieldMatrixedFactorizationMachine,
  type FieldMatrixedFactorizationMachineArgs,
} from './field-matrixed-factorization-machine.js';
export { InnerProductInteraction, innerProductInteraction, type InnerProductInteractionArgs } from './inner-product-interaction.js';
export { DecomposedInnerProduct, decomposedInnerProduct, type DecomposedInnerProductArgs } from './decomposed-inner-product.js';
export { OuterProductInteraction, outerProductInteraction, type OuterProductInteractionArgs } from './outer-product-interaction.js';
export { CrossLayer, crossLayer, type CrossLayerArgs } from './cross-layer.js';
export { CrossLayerV2, crossLayerV2, type CrossLayerV2Args } from './cross-layer-v2.js';
export {
  CompressedInteractionNetwork,
  compressedInteractionNetwork,
  type CompressedInteractionNetworkArgs,
} from './compressed-interaction-network.js';
export { MultiHeadSelfAttention, multiHeadSelfAttention, type MultiHeadSelfAttentionArgs } from './multi-head-self-attention.js';
export {
  LogarithmicTransformation,
  logarithmicTransformation,
  type LogarithmicTransformationArgs,
} from './logarithmic-transformation.js';
export { SqueezeExcitation, squeezeExcitation, type SqueezeExcitationArgs } from './squeeze-excitation.js';
export {
  BilinearInteraction,
  bilinearInteraction,
  BILINEAR_TYPES,
  type BilinearInteractionArgs,
  type BilinearType,
} from './bilinear-interaction.js';
export {
  createModel,
  createLR,
  createFM,
  createFFM,
  createAFM,
  createMF,
  createNFM,
  createDeepFM,
  createDCN,
  createDCNV2,
  DCN_V2_FULL_RANK_MAX_DIM,
  DCN_V2_DEFAULT_RANK,
  createXDeepFM,
  createAutoInt,
  createAFN,
  createFiBiNET,
  createNeuMF,
  MODEL_KINDS,
  type ModelKind,
  type ModelConfig,
} from './create-model.js';
export { MODEL_OPTIONS, pickModelConfig } from './model-options.js';
export { createHOFM, createFwFM, createFmFM, DEFAULT_HOFM_ORDER } from './create-fm-variants.js';
export { createFNN, createWideDeep, createIPNN, createOPNN } from './create-deep-models.js';
export { initFromFM } from './init-from-fm.js';
export {
  parameterGroup,
  sparseTables,
  modelFieldDims,
  modelKind,
  modelInit,
  itemFactors,
  userFactors,
  type ParameterGroup,
} from './model-info.js';
export { registerHeapHelpers, type HeapHelpers, type HeapCall } from './heap-helpers.js';
