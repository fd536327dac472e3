import type { SparseDataset } from '@fm/data';

/**
 * Model families the fused engine trains.
 * - `lr`: logistic / linear regression, ŷ = w₀ + Σ wᵢxᵢ.
 * - `fm`: factorization machine (Rendle 2010), ŷ = w₀ + Σ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ.
 * - `ffm`: field-aware FM (Juan et al. 2016), ŷ = w₀ + Σ wᵢxᵢ + Σ_{i<j} ⟨v_{i,f(j)}, v_{j,f(i)}⟩ xᵢxⱼ.
 * - `mf`: biased matrix factorisation (Koren et al. 2009), ŷ = μ + b_u + b_i + ⟨p_u, q_i⟩, over a
 *   two-field (user, item) schema with one feature per field; the same maths as `fm` on such rows.
 */
export type FusedKind = 'lr' | 'fm' | 'ffm' | 'mf';

/**
 * Model parameters as flat typed arrays, in the layout shared with the tfjs layers of `@fm/layers`.
 * All arrays may be backed by a `SharedArrayBuffer` (see `createFusedParams({ shared: true })`) so
 * that Hogwild worker threads update them in place.
 */
export interface FusedParams {
  kind: FusedKind;
  /** Total number of features n (Σ fieldDims). */
  numFeatures: number;
  /** Factor dimension k (0 for `lr`). */
  k: number;
  /** Number of fields F. */
  numFields: number;
  /** `[n]` field index of each global feature id (from `FieldSchema.featureFieldTable()`). */
  fieldOfFeature: Int32Array;
  /** `[1]` global bias w₀. */
  bias: Float32Array;
  /** `[n]` per-feature weights wᵢ (for `mf` these are the user and item biases). */
  linear: Float32Array;
  /** fm/mf: `[n*k]` row-major vᵢ; ffm: `[n*F*k]`, row i block f is v_{i,f}; lr: length 0. */
  factors: Float32Array;
}

/** Optimizers of the fused engine; all update only the rows a mini-batch touches. */
export type FusedOptimizer = 'sgd' | 'adagrad' | 'adam' | 'ftrl';

/** Optimizer hyper-parameters beyond the learning rate; defaults in {@link FUSED_DEFAULTS}. */
export interface FusedOptimizerConfig {
  /** ε added to √G (Adagrad) or √u (Adam) in the denominator (default 1e-8). */
  epsilon?: number;
  /** Adagrad's initial accumulator G₀ (default 0). */
  initialAccumulator?: number;
  /** Adam β₁. */
  beta1?: number;
  /** Adam β₂. */
  beta2?: number;
  /** FTRL-Proximal β (McMahan et al. 2013); the learning rate is its α. */
  ftrlBeta?: number;
  /** FTRL L1 strength λ₁ (per coordinate, sparsifies the linear weights). */
  l1?: number;
}

/** Progress reported after each epoch. */
export interface FusedEpochInfo {
  /** 0-based epoch index. */
  epoch: number;
  /** Mean training loss over the epoch, computed on the fly before each update (MSE or log loss). */
  loss: number;
  /** Validation loss (MSE or log loss) when a validation set was given. */
  validationLoss?: number;
  /** Examples processed this epoch. */
  examples: number;
  /** Wall time of the epoch's training pass in milliseconds (validation excluded). */
  millis: number;
}

/** Training options of the fused engine. */
export interface FusedOptions {
  /** `regression`: squared loss on ŷ; `binary`: log loss on σ(ŷ) with labels in {0, 1}. */
  task: 'regression' | 'binary';
  epochs: number;
  /** Mini-batch size B; gradients are averaged over the batch. B = 1 with SGD is classic per-example SGD. */
  batchSize: number;
  optimizer: FusedOptimizer;
  learningRate: number;
  /** L2 strengths, applied (lazily) to the rows a batch touches, as libFM's SGD does. */
  l2: { bias: number; linear: number; factors: number };
  /** Seed of the per-epoch shuffles. */
  seed: number;
  /** Node only: number of Hogwild threads (needs a runner: use `fusedFitNode` from `hogwild-node.ts`). Default 1. */
  threads?: number;
  /** Extra optimizer settings. */
  optimizerConfig?: FusedOptimizerConfig;
  /** Called after every epoch; return `'stop'` to end training early. */
  onEpochEnd?: (info: FusedEpochInfo) => void | 'stop' | Promise<void | 'stop'>;
}

/**
 * Optimizer state, one slot per parameter in the same row layout as {@link FusedParams}
 * (Adagrad: accumulators in `a*`; Adam: first moments in `a*`, second in `b*`; FTRL: z in `a*`,
 * n in `b*`). Unused arrays have length 0. Only rows a batch touches are read or written.
 */
export interface FusedState {
  optimizer: FusedOptimizer;
  /** `[1]` number of mini-batch steps taken so far (Adam bias correction), a Float64 so it can be shared. */
  step: Float64Array;
  aBias: Float32Array;
  aLinear: Float32Array;
  aFactors: Float32Array;
  bBias: Float32Array;
  bLinear: Float32Array;
  bFactors: Float32Array;
}

/** Result of {@link fusedTrainEpoch}. */
export interface FusedEpochResult {
  /** Mean training loss over the examples seen (before their update). */
  loss: number;
  examples: number;
}

/**
 * Runs one epoch over `order` (indices into `dataset`), possibly on several threads. The default
 * runs {@link fusedTrainEpoch} on the calling thread; `hogwild-node.ts` provides a worker-thread one.
 */
export interface FusedEpochRunner {
  runEpoch(order: Int32Array, opts: FusedOptions): Promise<FusedEpochResult>;
  /** Releases threads; called by `fusedFit` when training ends. */
  close(): Promise<void>;
}

/** Creates an epoch runner for a training run (parameters, state and dataset are fixed for the run). */
export type FusedRunnerFactory = (
  params: FusedParams,
  state: FusedState,
  dataset: SparseDataset,
  opts: FusedOptions,
) => FusedEpochRunner | Promise<FusedEpochRunner>;

/** Result of `fusedFit`. */
export interface FusedFitResult {
  history: FusedEpochInfo[];
  /** Training examples per second over all epochs (training passes only). */
  examplesPerSecond: number;
  /** Epochs actually run (fewer than requested when `onEpochEnd` stopped training). */
  epochs: number;
  /** Threads used. */
  threads: number;
  /** The optimizer state at the end (for checkpoints / further training). */
  state: FusedState;
}
