import * as tf from '@tensorflow/tfjs';
import { AttentionalFactorizationMachine } from './attentional-factorization-machine.js';
import { BiasedMatrixFactorization } from './biased-matrix-factorization.js';
import { FactorizationMachine } from './factorization-machine.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { checkFieldDims } from './field-dims.js';
import { FieldAwareFactorizationMachine } from './field-aware-factorization-machine.js';
import { subSeed } from './layer-args.js';
import { MultiLayerPerceptron } from './multi-layer-perceptron.js';

/** The model families {@link createModel} builds. */
export type ModelKind = 'lr' | 'fm' | 'ffm' | 'afm' | 'mf' | 'nfm' | 'deepfm';

/** The model kinds, in a stable order. */
export const MODEL_KINDS: readonly ModelKind[] = ['lr', 'fm', 'ffm', 'afm', 'mf', 'nfm', 'deepfm'];

/** Options shared by every model factory. */
export interface ModelConfig {
  /** Cardinality of each field; global ids of field f are `[offset_f, offset_f + fieldDims[f])`. */
  fieldDims: number[];
  /** Latent dimension k. Default 16. */
  embeddingDim?: number;
  /** Slots per example (≥ fields when multi-hot). Default fieldDims.length (2 for 'mf'). */
  width?: number;
  /** AFM attention network size. Default = embeddingDim. */
  attentionSize?: number;
  /** Dropout rate (AFM pooled vector, NFM/DeepFM hidden layers). Default 0. */
  dropout?: number;
  /** NFM / DeepFM hidden layer sizes. Default [64] for NFM, [64, 32] for DeepFM. */
  hiddenUnits?: number[];
  /** NFM / DeepFM: batch normalisation in the MLP. Default false. */
  batchNorm?: boolean;
  /** MF: squash the score into [min, max] with a scaled sigmoid. Default: raw score. */
  ratingRange?: [number, number];
  /** Standard deviation of the factor initialiser. Default 0.01. */
  initStd?: number;
  /** Seed of every initialiser (same seed, same weights). Default: random. */
  seed?: number;
  /** FFM: instance-wise normalisation of the pair term by 1/Σx² (libffm's default). Default true. */
  normalize?: boolean;
}

/** The two symbolic inputs of every model: `ids` int32 `[B, W]` and `values` float32 `[B, W]`. */
function modelInputs(config: ModelConfig, defaultWidth: number): [tf.SymbolicTensor, tf.SymbolicTensor] {
  const width = config.width ?? defaultWidth;
  if (!Number.isInteger(width) || width <= 0) throw new Error(`createModel: width must be a positive integer, got ${width}`);
  return [
    tf.input({ shape: [width], dtype: 'int32', name: 'ids' }),
    tf.input({ shape: [width], dtype: 'float32', name: 'values' }),
  ];
}

function finish(kind: ModelKind, inputs: tf.SymbolicTensor[], terms: tf.SymbolicTensor[]): tf.LayersModel {
  const output = terms.length === 1 ? (terms[0] as tf.SymbolicTensor) : (tf.layers.add().apply(terms) as tf.SymbolicTensor);
  return tf.model({ inputs, outputs: output, name: kind });
}

function common(config: ModelConfig, kind: ModelKind) {
  const fieldDims = checkFieldDims(`create model '${kind}'`, config.fieldDims);
  return {
    fieldDims,
    embeddingDim: config.embeddingDim ?? 16,
    seed: config.seed,
    modelKind: kind,
    ...(config.initStd === undefined ? {} : { initStd: config.initStd }),
  };
}

/** Linear / logistic regression: w₀ + Σ w_i x_i. */
export function createLR(config: ModelConfig): tf.LayersModel {
  const { fieldDims } = common(config, 'lr');
  const [ids, values] = modelInputs(config, fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims, modelKind: 'lr' }).apply([ids, values]) as tf.SymbolicTensor;
  return finish('lr', [ids, values], [linear]);
}

/** Factorization machine (Rendle 2010): w₀ + Σ w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j. */
export function createFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'fm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'fm' }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding(c).apply(ids) as tf.SymbolicTensor;
  const pairs = new FactorizationMachine().apply([emb, values]) as tf.SymbolicTensor;
  return finish('fm', [ids, values], [linear, pairs]);
}

/** Field-aware factorization machine (Juan et al. 2016): linear + Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j. */
export function createFFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'ffm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'ffm' }).apply([ids, values]) as tf.SymbolicTensor;
  const pairs = new FieldAwareFactorizationMachine({ ...c, normalize: config.normalize ?? true }).apply([ids, values]) as tf.SymbolicTensor;
  return finish('ffm', [ids, values], [linear, pairs]);
}

/** Attentional factorization machine (Xiao et al. 2017): linear + attention-pooled pairwise interactions. */
export function createAFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'afm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'afm' }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding(c).apply(ids) as tf.SymbolicTensor;
  const afm = new AttentionalFactorizationMachine({
    attentionSize: config.attentionSize ?? c.embeddingDim,
    dropout: config.dropout ?? 0,
    seed: subSeed(config.seed, 1),
  }).apply([emb, values]) as tf.SymbolicTensor;
  return finish('afm', [ids, values], [linear, afm]);
}

/** Biased matrix factorization (Koren et al. 2009) on ids `[B, 2]` = (user, item). */
export function createMF(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'mf');
  const [ids, values] = modelInputs(config, 2);
  const mf = new BiasedMatrixFactorization({
    ...c,
    ...(config.ratingRange === undefined ? {} : { ratingRange: config.ratingRange }),
  }).apply([ids, values]) as tf.SymbolicTensor;
  return finish('mf', [ids, values], [mf]);
}

/** Neural factorization machine (He & Chua 2017): linear + MLP(Bi-Interaction pooling). */
export function createNFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'nfm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'nfm' }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding(c).apply(ids) as tf.SymbolicTensor;
  const biInteraction = new FactorizationMachine({ reduceSum: false }).apply([emb, values]) as tf.SymbolicTensor;
  const deep = new MultiLayerPerceptron({
    hiddenUnits: config.hiddenUnits ?? [64],
    outputUnits: 1,
    dropout: config.dropout ?? 0,
    batchNorm: config.batchNorm ?? false,
    seed: subSeed(config.seed, 1),
  }).apply(biInteraction) as tf.SymbolicTensor;
  return finish('nfm', [ids, values], [linear, deep]);
}

/** DeepFM (Guo et al. 2017): linear + FM + MLP over the concatenated value-scaled embeddings, sharing them. */
export function createDeepFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'deepfm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'deepfm' }).apply([ids, values]) as tf.SymbolicTensor;
  const embedding = new FeaturesEmbedding(c);
  const pairs = new FactorizationMachine().apply([embedding.apply(ids) as tf.SymbolicTensor, values]) as tf.SymbolicTensor;
  const deep = new MultiLayerPerceptron({
    hiddenUnits: config.hiddenUnits ?? [64, 32],
    outputUnits: 1,
    dropout: config.dropout ?? 0,
    batchNorm: config.batchNorm ?? false,
    seed: subSeed(config.seed, 1),
  }).apply(embedding.apply([ids, values])) as tf.SymbolicTensor;
  return finish('deepfm', [ids, values], [linear, pairs, deep]);
}

const FACTORIES: Record<ModelKind, (config: ModelConfig) => tf.LayersModel> = {
  lr: createLR,
  fm: createFM,
  ffm: createFFM,
  afm: createAFM,
  mf: createMF,
  nfm: createNFM,
  deepfm: createDeepFM,
};

/**
 * Builds a model of the given kind as a functional `tf.LayersModel` with inputs `[ids int32 [B, W], values
 * float32 [B, W]]` and output `[B, 1]` (a rating for regression, a logit for binary tasks). The model
 * saves with `model.save` and loads with `tf.loadLayersModel` once this package is imported.
 */
export function createModel(kind: ModelKind, config: ModelConfig): tf.LayersModel {
  const factory = FACTORIES[kind];
  if (factory === undefined) {
    throw new Error(`createModel: unknown model kind '${String(kind)}', expected one of ${MODEL_KINDS.join(', ')}`);
  }
  return factory(config);
}
