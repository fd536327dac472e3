import * as tf from '@tensorflow/tfjs';
import { AttentionalFactorizationMachine } from './attentional-factorization-machine.js';
import { BiasedMatrixFactorization } from './biased-matrix-factorization.js';
import { BilinearInteraction, type BilinearType } from './bilinear-interaction.js';
import { CompressedInteractionNetwork } from './compressed-interaction-network.js';
import { CrossLayer } from './cross-layer.js';
import { CrossLayerV2 } from './cross-layer-v2.js';
import { FactorizationMachine } from './factorization-machine.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { FieldAwareFactorizationMachine } from './field-aware-factorization-machine.js';
import { createFNN, createIPNN, createOPNN, createWideDeep } from './create-deep-models.js';
import { createFmFM, createFwFM, createHOFM } from './create-fm-variants.js';
import { subSeed } from './layer-args.js';
import { DEFAULT_HIDDEN_UNITS, common, deepTower, finish, modelInputs } from './model-builder.js';
import { LogarithmicTransformation } from './logarithmic-transformation.js';
import { MultiHeadSelfAttention } from './multi-head-self-attention.js';
import { MultiLayerPerceptron } from './multi-layer-perceptron.js';
import { SqueezeExcitation } from './squeeze-excitation.js';
import { checkModelOptions } from './model-options.js';

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
  | 'opnn'
  | 'dcn'
  | 'dcn-v2'
  | 'xdeepfm'
  | 'autoint'
  | 'afn'
  | 'fibinet'
  | 'neumf';

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
  'dcn',
  'dcn-v2',
  'xdeepfm',
  'autoint',
  'afn',
  'fibinet',
  'neumf',
];

/** Options shared by every model factory. */
export interface ModelConfig {
  /** Cardinality of each field; global ids of field f are `[offset_f, offset_f + fieldDims[f])`. */
  fieldDims: number[];
  /** Latent dimension k. Default 16. */
  embeddingDim?: number;
  /** Slots per example (≥ fields when multi-hot). Default fieldDims.length (2 for 'mf' and 'neumf'). */
  width?: number;
  /** AFM attention network size; AutoInt: size d' of each attention head. Default = embeddingDim. */
  attentionSize?: number;
  /** Dropout rate (AFM pooled vector, hidden layers of every MLP). Default 0. */
  dropout?: number;
  /**
   * Hidden layer sizes of the MLP. Defaults: [64] NFM; [64, 32] DeepFM, DCN, DCN-V2, xDeepFM, AFN; [32, 16]
   * FiBiNET and the NeuMF MLP tower; [] AutoInt (non-empty adds the deep tower of AutoInt+). [] on DCN/DCN-V2/xDeepFM
   * drops the deep part.
   */
  hiddenUnits?: number[];
  /** Batch normalisation in the MLP's hidden layers. Default false. */
  batchNorm?: boolean;
  /** DCN / DCN-V2: number of cross layers. Default 3. */
  crossLayers?: number;
  /**
   * DCN-V2: rank r of the low-rank cross kernels W = U V (U `[D, r]`, V `[r, D]`, D = slots · k the flattened
   * embedding width); 0 asks for full-rank `[D, D]` kernels. Default: full rank while D ≤ {@link DCN_V2_FULL_RANK_MAX_DIM}
   * (256), rank {@link DCN_V2_DEFAULT_RANK} (64) above it — the paper's low-rank cross (Wang et al. 2021, section 5)
   * where full rank costs D² per example and layer (at 39 slots × k = 16, D = 624: 3 × 624² multiply-adds per
   * example each way, under 4,000 examples/s on one wasm thread; rank 64: about 2×). Chosen on held-out training
   * rows of the CTR generator (`zoo-quality --validation`, bench/README.md): ranks 8, 64 and 156 within 0.0002 log
   * loss of full rank at 40k rows; rank 64 0.0004 log loss / 0.0008 AUC behind it at 160k rows, training 3.7× faster.
   * DeepCTR's DCNMix uses rank 32.
   */
  crossRank?: number;
  /** xDeepFM: feature maps of each CIN layer (hidden layers split in half). Default [16, 16]. */
  cinLayerSizes?: number[];
  /** AutoInt: attention heads per interacting layer. Default 2. */
  attentionHeads?: number;
  /** AutoInt: number of interacting (self-attention) layers. Default 3. */
  attentionLayers?: number;
  /** AFN: number of logarithmic neurons. Default 64. */
  logNeurons?: number;
  /** FiBiNET: bilinear interaction type. Default 'field-all' (the cheapest on wasm; see BilinearInteraction). */
  bilinearType?: BilinearType;
  /** FiBiNET: SENET reduction ratio. Default 3. */
  seReduction?: number;
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

/** The value-scaled embeddings `[B, W, k]` and the linear term `[B, 1]` most models start from. */
function embeddedInputs(config: ModelConfig, kind: ModelKind) {
  const c = common(config, kind);
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: kind }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding(c).apply([ids, values]) as tf.SymbolicTensor;
  return { c, ids, values, linear, emb };
}

/** An MLP with a 1-unit linear output (`hiddenUnits` [] gives a plain linear layer). */
function mlpLogit(config: ModelConfig, hiddenUnits: number[], seedIndex: number, input: tf.SymbolicTensor): tf.SymbolicTensor {
  return new MultiLayerPerceptron({
    hiddenUnits,
    outputUnits: 1,
    dropout: config.dropout ?? 0,
    batchNorm: config.batchNorm ?? false,
    seed: subSeed(config.seed, seedIndex),
  }).apply(input) as tf.SymbolicTensor;
}

function positiveCount(kind: ModelKind, name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`create model '${kind}': ${name} must be a positive integer, got ${v}`);
  return v;
}

/** DCN and DCN-V2: cross network ∥ MLP over the flattened embeddings, concatenated into one linear output. */
function crossModel(kind: 'dcn' | 'dcn-v2', config: ModelConfig, makeCross: (seed: number | undefined, dim: number) => tf.layers.Layer) {
  const { ids, values, linear, emb } = embeddedInputs(config, kind);
  const layers = positiveCount(kind, 'crossLayers', config.crossLayers, 3);
  const dim = emb.shape.slice(1).reduce((a: number, b) => a * (b as number), 1); // D = slots · k
  let cross = emb;
  for (let l = 0; l < layers; l++) cross = makeCross(subSeed(config.seed, 10 + l), dim).apply(l === 0 ? emb : [emb, cross]) as tf.SymbolicTensor;
  const hidden = config.hiddenUnits ?? [64, 32];
  let stack = cross;
  if (hidden.length > 0) {
    const deep = new MultiLayerPerceptron({
      hiddenUnits: hidden,
      dropout: config.dropout ?? 0,
      batchNorm: config.batchNorm ?? false,
      seed: subSeed(config.seed, 1),
    }).apply(emb) as tf.SymbolicTensor;
    stack = tf.layers.concatenate({ axis: -1 }).apply([cross, deep]) as tf.SymbolicTensor;
  }
  return finish(kind, [ids, values], [linear, mlpLogit(config, [], 2, stack)]);
}

/**
 * Deep & Cross Network (Wang et al. 2017, ADKDD): linear + a combination layer over [cross network(x₀), MLP(x₀)],
 * x₀ the flattened value-scaled embeddings `[B, W·k]` ({@link CrossLayer} × `crossLayers`).
 */
export function createDCN(config: ModelConfig): tf.LayersModel {
  return crossModel('dcn', config, (seed) => new CrossLayer({ seed }));
}

/**
 * DCN-V2 (Wang et al. 2021, WWW), parallel structure: linear + a combination layer over [cross network v2(x₀),
 * MLP(x₀)] ({@link CrossLayerV2} × `crossLayers`, full rank or rank `crossRank`; by default full rank up to
 * D = 256, rank 64 above: see `ModelConfig.crossRank`).
 */
export function createDCNV2(config: ModelConfig): tf.LayersModel {
  const explicit = config.crossRank;
  if (explicit !== undefined && explicit !== 0) positiveCount('dcn-v2', 'crossRank', explicit, 1);
  const rankFor = (dim: number) => (explicit === 0 ? undefined : (explicit ?? (dim > DCN_V2_FULL_RANK_MAX_DIM ? DCN_V2_DEFAULT_RANK : undefined)));
  return crossModel('dcn-v2', config, (seed, dim) => {
    const rank = rankFor(dim);
    return new CrossLayerV2({ seed, ...(rank === undefined ? {} : { rank }) });
  });
}

/** DCN-V2's cross kernels are full rank up to this flattened embedding width D (see `ModelConfig.crossRank`). */
export const DCN_V2_FULL_RANK_MAX_DIM = 256;
/** DCN-V2's default rank of the cross kernels above {@link DCN_V2_FULL_RANK_MAX_DIM} (see `ModelConfig.crossRank`). */
export const DCN_V2_DEFAULT_RANK = 64;

/** xDeepFM (Lian et al. 2018, KDD): linear + CIN(embeddings) → linear + MLP(embeddings). */
export function createXDeepFM(config: ModelConfig): tf.LayersModel {
  const { ids, values, linear, emb } = embeddedInputs(config, 'xdeepfm');
  const cin = new CompressedInteractionNetwork({ layerSizes: config.cinLayerSizes ?? [16, 16], seed: subSeed(config.seed, 3) }).apply(emb) as tf.SymbolicTensor;
  const terms = [linear, mlpLogit(config, [], 2, cin)];
  const hidden = config.hiddenUnits ?? [64, 32];
  if (hidden.length > 0) terms.push(mlpLogit(config, hidden, 1, emb));
  return finish('xdeepfm', [ids, values], terms);
}

/**
 * AutoInt (Song et al. 2019, CIKM): linear + a linear output over `attentionLayers` stacked
 * {@link MultiHeadSelfAttention} layers; with non-empty `hiddenUnits`, AutoInt+ (an MLP over the embeddings added).
 */
export function createAutoInt(config: ModelConfig): tf.LayersModel {
  const { c, ids, values, linear, emb } = embeddedInputs(config, 'autoint');
  const layers = positiveCount('autoint', 'attentionLayers', config.attentionLayers, 3);
  const heads = positiveCount('autoint', 'attentionHeads', config.attentionHeads, 2);
  const headDim = positiveCount('autoint', 'attentionSize', config.attentionSize, c.embeddingDim);
  let x = emb;
  for (let l = 0; l < layers; l++) {
    x = new MultiHeadSelfAttention({ heads, headDim, seed: subSeed(config.seed, 10 + l) }).apply([x, values]) as tf.SymbolicTensor;
  }
  const terms = [linear, mlpLogit(config, [], 2, x)];
  const hidden = config.hiddenUnits ?? [];
  if (hidden.length > 0) terms.push(mlpLogit(config, hidden, 1, emb));
  return finish('autoint', [ids, values], terms);
}

/** Adaptive Factorization Network (Cheng et al. 2020, AAAI): linear + MLP(logarithmic transformation(embeddings)). */
export function createAFN(config: ModelConfig): tf.LayersModel {
  const { ids, values, linear, emb } = embeddedInputs(config, 'afn');
  const units = positiveCount('afn', 'logNeurons', config.logNeurons, 64);
  const logs = new LogarithmicTransformation({ units, seed: subSeed(config.seed, 3) }).apply([emb, values]) as tf.SymbolicTensor;
  return finish('afn', [ids, values], [linear, mlpLogit(config, config.hiddenUnits ?? [64, 32], 1, logs)]);
}

/**
 * FiBiNET's default MLP. Its input is 2·F(F−1)/2·k wide (23,712 on 39 fields at k = 16), so the first layer is
 * most of the model's work; on held-out training data [32, 16] matched [64, 32] (CTR 200k rows: log loss 0.5452
 * vs 0.5450, AUC 0.6161 vs 0.6164; MovieLens-100K ranking HR@10 0.435 vs 0.421) at 2.2× the speed.
 */
const FIBINET_HIDDEN_UNITS = [32, 16];

/**
 * FiBiNET (Huang et al. 2019, RecSys): linear + MLP over [bilinear(embeddings), bilinear(SENET(embeddings))],
 * one {@link BilinearInteraction} over both inputs (separate kernels) of type `bilinearType` (default 'field-all').
 */
export function createFiBiNET(config: ModelConfig): tf.LayersModel {
  const { ids, values, linear, emb } = embeddedInputs(config, 'fibinet');
  const reweighted = new SqueezeExcitation({ reduction: config.seReduction ?? 3, seed: subSeed(config.seed, 3) }).apply(emb) as tf.SymbolicTensor;
  const pairs = new BilinearInteraction({
    seed: subSeed(config.seed, 4),
    ...(config.bilinearType === undefined ? {} : { bilinearType: config.bilinearType }),
  }).apply([emb, reweighted]) as tf.SymbolicTensor; // [B, 2P, k]: pairs of the embeddings, then of the re-weighted ones
  return finish('fibinet', [ids, values], [linear, mlpLogit(config, config.hiddenUnits ?? FIBINET_HIDDEN_UNITS, 1, pairs)]);
}

/**
 * NeuMF (He et al. 2017, WWW, "Neural Collaborative Filtering") on ids `[B, 2]` = (user, item): a GMF tower
 * (p_u x_u ⊙ q_i x_i, the Bi-Interaction of {@link FactorizationMachine} over the two slots) and an MLP tower over
 * [p'_u x_u, q'_i x_i] with its own embeddings, concatenated into one linear output; plus the per-id biases and
 * global bias of {@link FeaturesLinear} (not in the paper, which models implicit feedback: they let a rating
 * regression start from the mean).
 */
export function createNeuMF(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'neumf');
  if (config.width !== undefined && config.width !== 2) {
    throw new Error(`create model 'neumf': ids must be [B, 2] (user, item), got width ${config.width}`);
  }
  const [ids, values] = modelInputs(config, 2);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'neumf' }).apply([ids, values]) as tf.SymbolicTensor;
  const gmfEmb = new FeaturesEmbedding({ ...c, name: 'gmf_embedding' }).apply(ids) as tf.SymbolicTensor;
  const gmf = new FactorizationMachine({ reduceSum: false }).apply([gmfEmb, values]) as tf.SymbolicTensor;
  const mlpEmb = new FeaturesEmbedding({ ...c, seed: subSeed(config.seed, 2), name: 'mlp_embedding' }).apply([ids, values]) as tf.SymbolicTensor;
  const tower = new MultiLayerPerceptron({
    hiddenUnits: config.hiddenUnits ?? [32, 16],
    dropout: config.dropout ?? 0,
    batchNorm: config.batchNorm ?? false,
    seed: subSeed(config.seed, 1),
  }).apply(mlpEmb) as tf.SymbolicTensor;
  const fused = tf.layers.concatenate({ axis: -1 }).apply([gmf, tower]) as tf.SymbolicTensor;
  return finish('neumf', [ids, values], [linear, mlpLogit(config, [], 3, fused)]);
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
  dcn: createDCN,
  'dcn-v2': createDCNV2,
  xdeepfm: createXDeepFM,
  autoint: createAutoInt,
  afn: createAFN,
  fibinet: createFiBiNET,
  neumf: createNeuMF,
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
  checkModelOptions(kind, config);
  return factory(config);
}
