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
  /** Positive rows per step. */
  batchSize: number;
  /** L2 per parameter group (per use, see `l2Penalty`). */
  l2: L2Option;
  /** Maximum epochs. */
  epochs: number;
  /** Early-stopping patience in epochs. */
  patience: number;
  /** Early-stopping minimum improvement. */
  minDelta: number;
}

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

/** The cell of models with dense layers: mini-batch Adam (steps cost per batch). */
const DEEP: TrainingDefaults = {
  optimizer: 'adam',
  learningRates: { sgd: 0.05, adagrad: 0.05, adam: 2e-3, ftrl: 0.05 },
  batchSize: 256,
  l2: { linear: 0.03, factors: 0.2, dense: 1e-4 },
  epochs: 100,
  patience: 3,
  minDelta: 1e-4,
};

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
    deep: { ...DEEP, l2: 1e-4 },
  },
};

/**
 * The family of a model kind for {@link TRAINING_DEFAULTS}; `normalized` says whether an FFM applies
 * libffm's instance-wise normalisation (the default of `createModel('ffm')` and `NativeModel`).
 */
export function modelFamily(kind: string, normalized = true): ModelFamily {
  if (kind === 'ffm') return normalized ? 'ffm' : 'fm';
  return kind === 'lr' || kind === 'fm' || kind === 'mf' ? 'fm' : 'deep';
}
