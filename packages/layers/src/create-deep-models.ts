// Model factories of the deep CTR models over field embeddings: FNN, Wide & Deep, IPNN and OPNN.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './create-model.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { FieldSumPooling } from './field-sum-pooling.js';
import { InnerProductInteraction } from './inner-product-interaction.js';
import { OuterProductInteraction } from './outer-product-interaction.js';
import { DEFAULT_HIDDEN_UNITS, common, deepTower, finish, modelInputs } from './model-builder.js';

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

/** A PNN: MLP over [field embeddings, products]; the MLP's first layer is the paper's product layer. */
function productNetwork(config: ModelConfig, kind: 'ipnn' | 'opnn'): tf.LayersModel {
  const fieldDims = common(config, kind).fieldDims;
  if (kind === 'ipnn' && fieldDims.length < 2) throw new Error(`create model 'ipnn': needs at least 2 fields (it multiplies pairs of fields)`);
  const [ids, values] = modelInputs(config, fieldDims.length);
  const fields = fieldEmbeddings(config, kind, ids, values);
  const products = (kind === 'ipnn' ? new InnerProductInteraction() : new OuterProductInteraction()).apply(fields) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(fields) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([flat, products]) as tf.SymbolicTensor;
  const deep = deepTower(config, DEFAULT_HIDDEN_UNITS).apply(joined) as tf.SymbolicTensor;
  return finish(kind, [ids, values], [deep]);
}

/**
 * IPNN (Qu et al. 2016, "Product-based Neural Networks for User Response Prediction", ICDM): an MLP (hiddenUnits,
 * default [64, 32]) over the field embeddings z `[B, F·k]` and their pairwise inner products p `[B, F(F−1)/2]`;
 * its first dense layer is the product layer ReLU(W_z z + W_p p + b₁). Needs at least 2 fields.
 */
export function createIPNN(config: ModelConfig): tf.LayersModel {
  return productNetwork(config, 'ipnn');
}

/**
 * OPNN (Qu et al. 2016, ICDM): an MLP (hiddenUnits, default [64, 32]) over the field embeddings z `[B, F·k]` and
 * the sum-pooled outer product p = (Σ_f z_f)(Σ_f z_f)ᵀ `[B, k·k]`, O(F·k + k²) per example.
 */
export function createOPNN(config: ModelConfig): tf.LayersModel {
  return productNetwork(config, 'opnn');
}
