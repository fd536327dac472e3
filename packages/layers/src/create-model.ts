import * as tf from '@tensorflow/tfjs';
import { AttentionalFactorizationMachine } from './attentional-factorization-machine.js';
import { BiasedMatrixFactorization } from './biased-matrix-factorization.js';
import { FactorizationMachine } from './factorization-machine.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { FieldAwareFactorizationMachine } from './field-aware-factorization-machine.js';
import { createFNN, createIPNN, createOPNN, createWideDeep } from './create-deep-models.js';
import { createFmFM, createFwFM, createHOFM } from './create-fm-variants.js';
import { subSeed } from './layer-args.js';
import { DEFAULT_HIDDEN_UNITS, common, deepTower, finish, modelInputs } from './model-builder.js';

/** The model families {@link createModel} builds. */
export type ModelKind =
  | 'lr'
  | 'fm'
  | 'ffm'
  | 'afm'
  | 'mf'
  | 'nfm'
  | 'deepfm'
  | 'hofm'
  | 'fwfm'
  | 'fmfm'
  | 'fnn'
  | 'wide-deep'
  | 'ipnn'
  | 'opnn';

/** The model kinds, in a stable order. */
export const MODEL_KINDS: readonly ModelKind[] = [
  'lr',
  'fm',
  'ffm',
  'afm',
  'mf',
  'nfm',
  'deepfm',
  'hofm',
  'fwfm',
  'fmfm',
  'fnn',
  'wide-deep',
  'ipnn',
  'opnn',
];

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
  /** Dropout rate (AFM pooled vector, the hidden layers of every MLP). Default 0. */
  dropout?: number;
  /** Hidden layer sizes of the MLP (NFM, DeepFM, FNN, Wide & Deep, IPNN, OPNN). Default [64] for NFM, else [64, 32]. */
  hiddenUnits?: number[];
  /** Batch normalisation in the MLP. Default false. */
  batchNorm?: boolean;
  /** HOFM: the highest interaction order m ≥ 2 (one factor table per order 2..m). Default 3. */
  order?: number;
  /** MF: squash the score into [min, max] with a scaled sigmoid. Default: raw score. */
  ratingRange?: [number, number];
  /** Standard deviation of the factor initialiser. Default 0.01. */
  initStd?: number;
  /** Seed of every initialiser (same seed, same weights). Default: random. */
  seed?: number;
  /** FFM: instance-wise normalisation of the pair term by 1/Σx² (libffm's default). Default true. */
  normalize?: boolean;
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
  const deep = deepTower(config, [64]).apply(biInteraction) as tf.SymbolicTensor;
  return finish('nfm', [ids, values], [linear, deep]);
}

/** DeepFM (Guo et al. 2017): linear + FM + MLP over the concatenated value-scaled embeddings, sharing them. */
export function createDeepFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'deepfm');
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'deepfm' }).apply([ids, values]) as tf.SymbolicTensor;
  const embedding = new FeaturesEmbedding(c);
  const pairs = new FactorizationMachine().apply([embedding.apply(ids) as tf.SymbolicTensor, values]) as tf.SymbolicTensor;
  const deep = deepTower(config, DEFAULT_HIDDEN_UNITS).apply(embedding.apply([ids, values])) as tf.SymbolicTensor;
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
  hofm: createHOFM,
  fwfm: createFwFM,
  fmfm: createFmFM,
  fnn: createFNN,
  'wide-deep': createWideDeep,
  ipnn: createIPNN,
  opnn: createOPNN,
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
