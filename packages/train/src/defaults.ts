import type { Task } from './losses.js';
import type { OptimizerConfig, OptimizerName } from './optimizers.js';
import type { L2Option } from './regularization.js';

/**
 * Model families with their own defaults: `fm` covers the factorization family the native engine
 * trains (lr, fm, mf, and FFM without normalisation: sparse tables only, cheap per example); `ffm`
 * is FFM with libffm's instance-wise normalisation (its default), whose pair term is scaled by
 * 1/Σx², so it wants AdaGrad's larger per-coordinate steps; `deep` every model with dense layers
 * (afm, nfm, deepfm, …), whose steps cost per batch, so they want large batches.
 */
export type ModelFamily = 'fm' | 'ffm' | 'deep';

/** The defaults of one (task, family) cell. Both engines honour every one of them. */
export interface TrainingDefaults {
  optimizer: OptimizerName;
  /** Learning rate per optimizer (the one of the chosen optimizer applies). */
  learningRates: Record<OptimizerName, number>;
  /** Positive rows per step (with `largeData`, the batch of small data sets and the least one). */
  batchSize: number;
  /**
   * Large data (the deep cell): the batch doubles from `batchSize` up to `maxBatchSize` while an epoch
   * keeps at least `minStepsPerEpoch` steps, and Adam's default rate grows with it (see
   * {@link defaultLearningRate}). Absent: every data set gets `batchSize`.
   */
  largeData?: { maxBatchSize: number; minStepsPerEpoch: number };
  /** L2 per parameter group (per use, see `l2Penalty`). */
  l2: L2Option;
  /** Maximum epochs. */
  epochs: number;
  /** Early-stopping patience in epochs. */
  patience: number;
  /** Early-stopping minimum improvement. */
  minDelta: number;
}

/**
 * The fraction of the training rows `fit` holds out (seeded) for validation and early stopping when no
 * `validation` is given (in-memory data with a gradient solver; streams and MCMC/ALS hold nothing out).
 */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/** Optimizer settings besides the learning rate, the same for every task and both engines. */
export const OPTIMIZER_DEFAULTS: Required<Omit<OptimizerConfig, 'learningRate'>> = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  initialAccumulatorValue: 0.1,
  ftrlBeta: 1,
  ftrlL1: 0,
  ftrlL2: 0,
};

/** The pointwise (regression, binary) cell of the fm family: per-example SGD with libFM-style L2. */
const FM_POINTWISE: TrainingDefaults = {
  optimizer: 'sgd',
  learningRates: { sgd: 0.005, adagrad: 0.02, adam: 0.001, ftrl: 0.05 },
  batchSize: 1,
  l2: { bias: 0, linear: 0.1, factors: 0.07 },
  epochs: 100,
  patience: 10,
  minDelta: 1e-4,
};

/**
 * The pointwise regression cell of normalised FFM: per-example AdaGrad (as libffm), chosen on validation
 * RMSE over MovieLens ua/u1 and the ua libFM file (`pnpm --filter @fm/bench tune --kind ffm`): SGD at
 * the fm cell's rate under-trains the 1/Σx²-scaled pair term (ua test RMSE 0.961 against 0.933).
 */
const FFM_REGRESSION: TrainingDefaults = {
  ...FM_POINTWISE,
  optimizer: 'adagrad',
  learningRates: { sgd: 0.005, adagrad: 0.05, adam: 0.001, ftrl: 0.05 },
  l2: { bias: 0, linear: 0.05, factors: 0.05 },
};

/**
 * The cell of models with dense layers: mini-batch Adam (steps cost per batch, so large data gets
 * large batches: 2048 rows from 524,288 training rows on, at Adam lr 2e-3·∛8 = 4e-3; chosen on
 * validation, package README).
 */
const DEEP: TrainingDefaults = {
  optimizer: 'adam',
  learningRates: { sgd: 0.05, adagrad: 0.05, adam: 2e-3, ftrl: 0.05 },
  batchSize: 256,
  largeData: { maxBatchSize: 2048, minStepsPerEpoch: 256 },
  l2: { linear: 0.03, factors: 0.2, dense: 1e-4 },
  epochs: 100,
  patience: 3,
  minDelta: 1e-4,
};

/** The deep cell without `largeData`: batch 256 whatever the data size. */
const { largeData: _largeData, ...DEEP_FIXED_BATCH } = DEEP;

/** Learning rates and L2 of the binary cells of the factorization family (fm and normalised ffm alike). */
const BINARY_STEPS: Pick<TrainingDefaults, 'learningRates' | 'l2'> = {
  learningRates: { sgd: 0.01, adagrad: 0.05, adam: 0.001, ftrl: 0.05 },
  l2: { bias: 0, linear: 0.02, factors: 0.02 },
};

/** The binary cell of normalised FFM: the binary L2 with AdaGrad at lr 0.03 (chosen on validation, package README). */
const FFM_BINARY: TrainingDefaults = {
  ...FFM_REGRESSION,
  learningRates: { ...BINARY_STEPS.learningRates, adagrad: 0.03 },
  l2: BINARY_STEPS.l2,
};
/** BPR on the factorization family (normalised or not: BPR's pair difference is what is scaled). */
const RANKING_FM: TrainingDefaults = { ...FM_POINTWISE, learningRates: { sgd: 0.05, adagrad: 0.05, adam: 2e-3, ftrl: 0.05 }, l2: 1e-4, patience: 3 };

/**
 * The one table of training defaults, per task and model family. `fit()` resolves every option it is
 * not given from here, whichever engine runs, so an engine never changes the algorithm. How each cell
 * was chosen (on validation data) is documented in the package README.
 */
export const TRAINING_DEFAULTS: Record<Task, Record<ModelFamily, TrainingDefaults>> = {
  regression: { fm: FM_POINTWISE, ffm: FFM_REGRESSION, deep: DEEP },
  // binary: the rating L2 (0.1/0.07) underfits click data; chosen on validation log loss over the CTR
  // generator and MovieLens ua/u1 with ratings ≥ 4 as positives (`pnpm --filter @fm/bench tune --task binary`)
  // normalised FFM: AdaGrad lr 0.03 (k = 4, `--task binary --kind ffm --ctr-rows 200000 --dim 4`): lr 0.05 held the
  // mean but overfit a 1M-row CTR set after one epoch (package README)
  binary: { fm: { ...FM_POINTWISE, ...BINARY_STEPS }, ffm: FFM_BINARY, deep: DEEP },
  ranking: {
    // BPR: the rating L2 would shrink the factors until only item popularity remains
    fm: RANKING_FM,
    ffm: RANKING_FM,
    // BPR keeps batch 256 at every size: large batches were validated on the pointwise tasks only
    deep: { ...DEEP_FIXED_BATCH, l2: 1e-4 },
  },
};

/**
 * The default batch of a cell for `rows` training rows (positives, for ranking): `batchSize`, doubled
 * while the cell's `largeData` allows (at most `maxBatchSize`, at least `minStepsPerEpoch` steps per
 * epoch). The deep cell: 256 below 131,072 rows, 512 from there, 1024 from 262,144, 2048 from 524,288.
 */
export function defaultBatchSize(defaults: TrainingDefaults, rows: number): number {
  let batch = defaults.batchSize;
  const large = defaults.largeData;
  if (!large) return batch;
  while (batch * 2 <= large.maxBatchSize && rows >= batch * 2 * large.minStepsPerEpoch) batch *= 2;
  return batch;
}

/**
 * The default learning rate of `optimizer` in a cell at `batchSize`: the cell's rate, and for Adam in
 * a cell with `largeData` that rate times ∛(batchSize / base batch) above the base batch: 2e-3 at 256,
 * 4e-3 at 2048 in the deep cell. It follows the batch in use, given or default. The exponent was chosen
 * on validation (package README): at batch 2048, DeepFM's CTR validation log loss was best at 4e-3, between
 * the unscaled 2e-3 and the square-root rule's 5.7e-3 (Malladi et al. 2022, "On the SDEs and Scaling Rules
 * for Adaptive Gradient Algorithms", NeurIPS).
 */
export function defaultLearningRate(defaults: TrainingDefaults, optimizer: OptimizerName, batchSize: number): number {
  const rate = defaults.learningRates[optimizer];
  if (optimizer !== 'adam' || !defaults.largeData || batchSize <= defaults.batchSize) return rate;
  return rate * Math.cbrt(batchSize / defaults.batchSize);
}

/**
 * The family of a model kind for {@link TRAINING_DEFAULTS}; `normalized` says whether an FFM applies
 * libffm's instance-wise normalisation (the default of `createModel('ffm')` and `NativeModel`).
 */
export function modelFamily(kind: string, normalized = true): ModelFamily {
  if (kind === 'ffm') return normalized ? 'ffm' : 'fm';
  return kind === 'lr' || kind === 'fm' || kind === 'mf' ? 'fm' : 'deep';
}
