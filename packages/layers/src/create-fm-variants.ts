// Model factories of the FM variants: higher-order FM, field-weighted FM and field-matrixed FM.
import type * as tf from '@tensorflow/tfjs';
import { AnovaKernel } from './anova-kernel.js';
import type { ModelConfig } from './create-model.js';
import { FeaturesEmbedding } from './features-embedding.js';
import { FeaturesLinear } from './features-linear.js';
import { FieldMatrixedFactorizationMachine } from './field-matrixed-factorization-machine.js';
import { FieldWeightedFactorizationMachine } from './field-weighted-factorization-machine.js';
import { subSeed } from './layer-args.js';
import { common, finish, modelInputs } from './model-builder.js';

/** Default highest interaction order of {@link createHOFM}. */
export const DEFAULT_HOFM_ORDER = 3;

/**
 * Higher-order factorization machine (Blondel, Fujino, Ueda, Ishihata 2016, "Higher-Order Factorization
 * Machines", NIPS): w₀ + Σ w_i x_i + Σ_{t=2..m} Σ_s A^t(p_s^{(t)}, x), the ANOVA kernels of degree 2..m
 * (`config.order`, default 3) each over its own factor table P^{(t)} `[n, k]` (the paper's separate tables per
 * order), in O(m·W·k) per example. The order-2 table comes first, so {@link itemFactors} returns it.
 */
export function createHOFM(config: ModelConfig): tf.LayersModel {
  const c = common(config, 'hofm');
  const order = config.order ?? DEFAULT_HOFM_ORDER;
  if (!Number.isInteger(order) || order < 2) throw new Error(`create model 'hofm': order must be an integer ≥ 2, got ${order}`);
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const terms = [new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: 'hofm' }).apply([ids, values]) as tf.SymbolicTensor];
  for (let degree = 2; degree <= order; degree++) {
    const seed = degree === 2 ? c.seed : subSeed(c.seed, degree);
    const emb = new FeaturesEmbedding({ ...c, seed }).apply(ids) as tf.SymbolicTensor;
    terms.push(new AnovaKernel({ degree }).apply([emb, values]) as tf.SymbolicTensor);
  }
  return finish('hofm', [ids, values], terms);
}

/**
 * Field-weighted factorization machine (Pan et al. 2018, "Field-weighted Factorization Machines for
 * Click-Through Rate Prediction in Display Advertising", WWW): w₀ + Σ w_i x_i + Σ_{i<j} r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j
 * over slot pairs, f_i the field of slot i's id (the paper's FwFM with plain linear weights).
 */
export function createFwFM(config: ModelConfig): tf.LayersModel {
  return fieldPairModel(config, 'fwfm');
}

/**
 * Field-matrixed factorization machine (Sun et al. 2021, "FM²: Field-matrixed Factorization Machines for
 * Recommender Systems", WWW): w₀ + Σ w_i x_i + Σ_{i<j, f_i≠f_j} v_i M_{f_i,f_j} v_jᵀ x_i x_j, one k×k matrix per
 * pair of distinct fields (slots of one field do not interact). Needs at least 2 fields.
 */
export function createFmFM(config: ModelConfig): tf.LayersModel {
  return fieldPairModel(config, 'fmfm');
}

/** linear + a field-pair interaction over the slot embeddings. */
function fieldPairModel(config: ModelConfig, kind: 'fwfm' | 'fmfm'): tf.LayersModel {
  const c = common(config, kind);
  const [ids, values] = modelInputs(config, c.fieldDims.length);
  const linear = new FeaturesLinear({ fieldDims: c.fieldDims, modelKind: kind }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding(c).apply(ids) as tf.SymbolicTensor;
  const Interaction = kind === 'fwfm' ? FieldWeightedFactorizationMachine : FieldMatrixedFactorizationMachine;
  const pairs = new Interaction({ fieldDims: c.fieldDims }).apply([ids, emb, values]) as tf.SymbolicTensor;
  return finish(kind, [ids, values], [linear, pairs]);
}
