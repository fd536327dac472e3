/**
 * Model families the native engine trains.
 * - `lr`: logistic / linear regression, ŷ = w₀ + Σ wᵢxᵢ.
 * - `fm`: factorization machine (Rendle 2010), ŷ = w₀ + Σ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ.
 * - `ffm`: field-aware FM (Juan et al. 2016), ŷ = w₀ + Σ wᵢxᵢ + r·Σ_{i<j} ⟨v_{i,f(j)}, v_{j,f(i)}⟩ xᵢxⱼ, with
 *   r = 1/Σ x² under instance-wise normalisation (libffm's default) and r = 1 without.
 * - `mf`: biased matrix factorisation (Koren et al. 2009), ŷ = μ + b_u + b_i + ⟨p_u, q_i⟩, over a
 *   two-field (user, item) schema with one feature per field; the same maths as `fm` on such rows.
 */
export type NativeKind = 'lr' | 'fm' | 'ffm' | 'mf';

/** The native kinds, in a stable order. */
export const NATIVE_KINDS: readonly NativeKind[] = ['lr', 'fm', 'ffm', 'mf'];

/**
 * Model parameters as flat typed arrays, in the layout shared with the tfjs layers of `@fm/layers`.
 * The arrays may live on `SharedArrayBuffer`s so that Hogwild worker threads update them in place.
 */
export interface NativeParams {
  kind: NativeKind;
  /** Total number of features n (Σ fieldDims). */
  numFeatures: number;
  /** Factor dimension k (0 for `lr`). */
  k: number;
  /** Number of fields F. */
  numFields: number;
  /** `[n]` field index of each global feature id (from `FieldSchema.featureFieldTable()`). */
  fieldOfFeature: Int32Array;
  /** FFM only: scale the pair term of each row by 1/Σx² (instance-wise normalisation, as libffm). */
  normalize: boolean;
  /** `[1]` global bias w₀. */
  bias: Float32Array;
  /** `[n]` per-feature weights wᵢ (for `mf` these are the user and item biases). */
  linear: Float32Array;
  /** fm/mf: `[n*k]` row-major vᵢ; ffm: `[n*F*k]`, feature i's block f is v_{i,f}; lr: length 0. */
  factors: Float32Array;
}

/** Optimizers; all update only what a batch touches (rows, or FFM's (feature, field) blocks). */
export type NativeOptimizer = 'sgd' | 'adagrad' | 'adam' | 'ftrl';

/** The objective a pass trains. */
export type NativeTask = 'regression' | 'binary' | 'ranking';

/**
 * Optimizer hyper-parameters, the same on both engines (see `OptimizerConfig` of the tfjs engine;
 * the defaults live in `defaults.ts`).
 */
export interface NativeOptimizerConfig {
  learningRate: number;
  /** ε added to √G (Adagrad) or √v̂ (Adam) in the denominator. */
  epsilon: number;
  /** Adagrad's starting accumulator G₀. */
  initialAccumulatorValue: number;
  beta1: number;
  beta2: number;
  /** FTRL-Proximal β (McMahan et al. 2013); the learning rate is its α. */
  ftrlBeta: number;
  /** FTRL λ₁ (per coordinate, sparsifies). */
  ftrlL1: number;
  /** FTRL λ₂, inside the proximal step. */
  ftrlL2: number;
}

/**
 * Optimizer state in the row layout of {@link NativeParams} (Adagrad: accumulators in `a*`; Adam:
 * first moments in `a*`, second in `b*`; FTRL: z in `a*`, n in `b*`). Unused arrays have length 0.
 */
export interface NativeState {
  optimizer: NativeOptimizer;
  /** `[1]` mini-batch steps taken so far (Adam's bias correction), a Float64 so it can be shared. */
  step: Float64Array;
  aBias: Float32Array;
  aLinear: Float32Array;
  aFactors: Float32Array;
  bBias: Float32Array;
  bLinear: Float32Array;
  bFactors: Float32Array;
}

/** Per-group L2 strengths λ (bias, linear, factors), applied per use as the tfjs engine does. */
export interface NativeL2 {
  bias: number;
  linear: number;
  factors: number;
}

/** Where the item of every training row sits and the negatives drawn for a pass (ranking, sampled negatives). */
export interface PassNegatives {
  /** Negatives per positive row (1 for BPR). */
  perRow: number;
  /** `[rows]` position of the item feature inside each dataset row (0-based from the row start). */
  itemSlot: Int32Array;
  /** `[order.length * perRow]` global ids of the negative items, by position in the pass's order. */
  items: Int32Array;
}
