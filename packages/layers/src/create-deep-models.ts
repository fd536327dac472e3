// Model factories of the deep CTR models over field embeddings: FNN, Wide & Deep, IPNN and OPNN.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './create-model.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { FieldSumPooling } from './field-sum-pooling.js';
import { DecomposedInnerProduct } from './decomposed-inner-product.js';
import { OuterProductInteraction } from './outer-product-interaction.js';
import { subSeed } from './layer-args.js';
import { DEFAULT_HIDDEN_UNITS, common, deepTower, finish, modelInputs } from './model-builder.js';
import { MultiLayerPerceptron } from './multi-layer-perceptron.js';

/** The field embeddings `[B, F, k]` of a model: value-scaled embeddings summed per field ({@link FieldSumPooling}). */
function fieldEmbeddings(config: ModelConfig, kind: string, ids: tf.SymbolicTensor, values: tf.SymbolicTensor): tf.SymbolicTensor {
  const c = common(config, kind);
  const emb = new FeaturesEmbedding(c).apply([ids, values]) as tf.SymbolicTensor;
  return new FieldSumPooling({ fieldDims: c.fieldDims }).apply([ids, emb]) as tf.SymbolicTensor;
}

/**
 * FNN, the factorization-machine supported neural network (Zhang, Du, Wang 2016, "Deep Learning over Multi-field
 * Categorical Data", ECIR): an MLP (hiddenUnits, default [64, 32]) over the concatenated field embeddings
 * `[B, F·k]`. Trained end to end from a random start: the paper's FM pre-training stage is not run here; to get
 * it, train an FM with the same fieldDims and k and copy its factors in with {@link initFromFM} before training.
 * The paper's field vector also holds the FM's linear weight w_i; here it is the k factors only.
 */
export function createFNN(config: ModelConfig): tf.LayersModel {
  const fieldDims = common(config, 'fnn').fieldDims;
  const [ids, values] = modelInputs(config, fieldDims.length);
  const deep = deepTower(config, DEFAULT_HIDDEN_UNITS).apply(fieldEmbeddings(config, 'fnn', ids, values)) as tf.SymbolicTensor;
  return finish('fnn', [ids, values], [deep]);
}

/**
 * Wide & Deep (Cheng et al. 2016, "Wide & Deep Learning for Recommender Systems", DLRS): a wide linear model
 * w₀ + Σ w_i x_i over the input features plus an MLP (hiddenUnits, default [64, 32]) over the concatenated field
 * embeddings, trained jointly. The paper's wide part also takes hand-made cross-product features: add them to the
 * data as features of their own (the paper trains the wide part with FTRL and the deep part with AdaGrad; here one
 * optimizer trains both).
 */
export function createWideDeep(config: ModelConfig): tf.LayersModel {
  const fieldDims = common(config, 'wide-deep').fieldDims;
  const [ids, values] = modelInputs(config, fieldDims.length);
  const wide = new FeaturesLinear({ fieldDims, modelKind: 'wide-deep' }).apply([ids, values]) as tf.SymbolicTensor;
  const deep = deepTower(config, DEFAULT_HIDDEN_UNITS).apply(fieldEmbeddings(config, 'wide-deep', ids, values)) as tf.SymbolicTensor;
  return finish('wide-deep', [ids, values], [wide, deep]);
}

/**
 * IPNN (Qu et al. 2016, "Product-based Neural Networks for User Response Prediction", ICDM): the product layer
 * l₁ = ReLU(W_z z + l_p + b₁) over the field embeddings z `[B, F, k]`, its inner-product signal with the paper's
 * first-order decomposition (l_p^n = ‖Σ_f θ_f^n z_f‖², {@link DecomposedInnerProduct}: O(F·k·D₁) per example, no
 * pair formed), then an MLP. hiddenUnits (default [64, 32]): the first size is the product layer's D₁, the rest
 * the hidden layers after it. The variant that feeds every pairwise inner product to the MLP (the 2018 journal
 * version, pytorch-fm's IPNN) is built from `InnerProductInteraction` in docs/adding-a-layer.md.
 */
export function createIPNN(config: ModelConfig): tf.LayersModel {
  const fieldDims = common(config, 'ipnn').fieldDims;
  const [productUnits, ...rest] = config.hiddenUnits ?? DEFAULT_HIDDEN_UNITS;
  if (productUnits === undefined) throw new Error(`create model 'ipnn': hiddenUnits needs at least one size (the product layer's)`);
  const [ids, values] = modelInputs(config, fieldDims.length);
  const fields = fieldEmbeddings(config, 'ipnn', ids, values);
  const linearSignal = new MultiLayerPerceptron({ hiddenUnits: [], outputUnits: productUnits, seed: subSeed(config.seed, 2) }).apply(fields);
  const innerSignal = new DecomposedInnerProduct({ units: productUnits, seed: subSeed(config.seed, 3) }).apply(fields);
  let product = tf.layers.reLU().apply(tf.layers.add().apply([linearSignal, innerSignal] as tf.SymbolicTensor[])) as tf.SymbolicTensor;
  const dropout = config.dropout ?? 0;
  if (dropout > 0) product = tf.layers.dropout({ rate: dropout, ...(config.seed === undefined ? {} : { seed: config.seed }) }).apply(product) as tf.SymbolicTensor;
  const deep = deepTower({ ...config, hiddenUnits: rest }, []).apply(product) as tf.SymbolicTensor;
  return finish('ipnn', [ids, values], [deep]);
}

/**
 * OPNN (Qu et al. 2016, ICDM): an MLP (hiddenUnits, default [64, 32]) over the field embeddings z `[B, F·k]` and
 * the sum-pooled outer product p = (Σ_f z_f)(Σ_f z_f)ᵀ `[B, k·k]` ({@link OuterProductInteraction}), O(F·k + k²)
 * per example; the MLP's first dense layer is the paper's product layer ReLU(W_z z + W_p ⊙ p + b₁).
 */
export function createOPNN(config: ModelConfig): tf.LayersModel {
  const fieldDims = common(config, 'opnn').fieldDims;
  const [ids, values] = modelInputs(config, fieldDims.length);
  const fields = fieldEmbeddings(config, 'opnn', ids, values);
  const products = new OuterProductInteraction().apply(fields) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(fields) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([flat, products]) as tf.SymbolicTensor;
  const deep = deepTower(config, DEFAULT_HIDDEN_UNITS).apply(joined) as tf.SymbolicTensor;
  return finish('opnn', [ids, values], [deep]);
}
