import type { EngineChoice, EngineName } from './engine.js';
import type { BayesianFmOptions } from './engines/bayes/bayesian-fm-options.js';
import type { SparseDataset } from '@fm/data';
import type { CheckpointStore, EpochRecord } from './checkpoint.js';
import type { Task } from './losses.js';
import type { NegativeOptions } from './negatives.js';
import type { OptimizerConfig, OptimizerName } from './optimizers.js';
import type { L2Option } from './regularization.js';

/** Validation metrics early stopping can watch ('auc' higher is better, the rest lower). */
export type EarlyStoppingMetric = 'loss' | 'rmse' | 'auc' | 'logloss';

/** Early stopping on a validation metric; the best epoch's weights are restored at the end. */
export interface EarlyStoppingOptions {
  /** Default: rmse (regression), logloss (binary), loss (ranking). */
  metric?: EarlyStoppingMetric;
  /** Epochs without improvement before stopping (default: `TRAINING_DEFAULTS` for the task and model family). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
}

/**
 * Passed to `onBatchEnd` (epochs and batches count from 1). The tfjs engine calls it after every batch;
 * the native engine at batch boundaries at least every ~50 ms (its batches may be single examples),
 * so `batch` can advance by more than one between calls.
 */
export interface BatchEndInfo {
  epoch: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches in the epoch. */
  batches: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  examplesPerSecond: number;
}

/** What a callback may return: `'stop'` ends training after the current batch/epoch. */
export type CallbackResult = void | 'stop' | Promise<void | 'stop'>;

/** Training callbacks. */
export interface FitCallbacks {
  onBatchEnd?(info: BatchEndInfo): CallbackResult;
  onEpochEnd?(info: EpochRecord): CallbackResult;
}

/** Options of `fit`. Every field has a default; see the README for the reasoning behind them. */
export interface FitOptions {
  /** 'regression' (MSE), 'binary' (log loss on logits) or 'ranking' (BPR). Default 'regression'. */
  task?: Task;
  /**
   * Which engine trains (default 'auto', see `chooseEngine`): 'native' (pure-TypeScript kernels for
   * LR/FM/FFM/MF on every task, multi-core in Node) or 'tfjs' (every model on every tfjs backend,
   * GPU included). Both honour the same options and defaults, so the choice changes the speed, not
   * the algorithm. `FitResult.engine` and `engineReason` say which ran and why.
   */
  engine?: EngineChoice;
  /**
   * How to train: `'gradient'` (default) steps an optimizer (`optimizer`, `learningRate`, …) on the
   * native or tfjs engine; `'mcmc'` samples a Bayesian FM (Freudenthaler, Schmidt-Thieme, Rendle 2011)
   * and `'als'` runs coordinate descent (Rendle et al. 2011), both native, for LR/FM/MF models on the
   * regression and binary (probit) tasks. With them `epochs` counts iterations (default 200), `l2` is
   * ALS's per-group L2, the model receives the posterior mean, and `predict`/`predictDistribution`/
   * `rankingScorer`/`saveModel` use the kept samples. Options they cannot honour (optimizer, batch size,
   * negatives, early stopping, …) are errors.
   */
  solver?: 'gradient' | 'mcmc' | 'als';
  /** MCMC/ALS settings beyond `epochs`, `seed` and `l2`: burn-in, initial factor spread, groups, kept samples, priors. */
  bayes?: Omit<BayesianFmOptions, 'solver' | 'task' | 'k' | 'seed' | 'l2'>;
  /**
   * Worker threads (Node, after importing '@fm/train/node'; default 'auto'): the native engine's Hogwild threads,
   * or the MCMC/ALS solvers' sweep threads (the same chain for any number).
   */
  threads?: number | 'auto';
  /** Maximum epochs (default from `TRAINING_DEFAULTS`; early stopping usually ends sooner). */
  epochs?: number;
  /**
   * Positive rows per step (default from `TRAINING_DEFAULTS`: per task and model family; deep models'
   * grows with the training rows, `defaultBatchSize`).
   */
  batchSize?: number;
  /** Default from `TRAINING_DEFAULTS`. */
  optimizer?: OptimizerName;
  /** Default from `TRAINING_DEFAULTS` (per optimizer; deep models' Adam rate follows the batch, `defaultLearningRate`). */
  learningRate?: number;
  /** Other optimizer hyper-parameters (betas, ε, Adagrad's initial accumulator, FTRL's β, λ₁, λ₂); defaults `OPTIMIZER_DEFAULTS`. */
  optimizerConfig?: Partial<OptimizerConfig>;
  /** L2 per parameter group, per use (default from `TRAINING_DEFAULTS`). */
  l2?: L2Option;
  /** Seed of shuffling, the validation split and negative sampling (default 42). */
  seed?: number;
  /** A validation set, a seeded fraction of train held out, or false. Default { fraction: 0.1 }. */
  validation?: SparseDataset | { fraction: number } | false;
  /** Early stopping; on by default whenever there is validation data. */
  earlyStopping?: EarlyStoppingOptions | false;
  /** Which fields hold the user and item, and how negatives are drawn (ranking, binary with `negativesPerPositive`); default: the fields `resolveUserItemFields` finds, uniform over unseen items. */
  negatives?: NegativeOptions;
  /** Binary task: sampled negatives per positive row (every training row is then a positive). Default 0. */
  negativesPerPositive?: number;
  /** Start the global bias at the mean label (regression) or its logit (binary) when it is still 0. Default true. */
  initBias?: boolean;
  /**
   * Train the linear weights (default true). `false` keeps them at 0: for FFM, libffm's model (bias and the field-aware
   * pairs, Juan et al. 2016), trained on the native engine, whose WebAssembly step then never reads them (~1.3× faster
   * per step on a 39-field row); for `solver: 'mcmc' | 'als'`, the FM without its linear part. The model's linear
   * weights must be 0 to begin with (a fresh model); other models and the tfjs engine refuse it.
   */
  linear?: boolean;
  callbacks?: FitCallbacks;
  /** Save a checkpoint every `every` epochs (default 1) and after the last; `dir` needs Node. */
  checkpoint?: { dir?: string; store?: CheckpointStore; every?: number };
  /** Resume from a checkpoint directory (Node) or store: weights, optimizer state, history and epoch. */
  resumeFrom?: string | CheckpointStore;
  /**
   * Streaming sources: rows the shuffle buffer holds (default: the source's own, e.g. twice a shard);
   * memory follows it. With a buffer of every row the order equals in-memory training's.
   */
  shuffleBuffer?: number;
  /** Aborting ends training after the current batch, restoring the best weights; the result says 'aborted'. */
  signal?: AbortSignal;
}

/** Why training ended. */
export type StopReason = 'epochs' | 'early-stopping' | 'callback' | 'aborted';

/** What `fit` returns. */
export interface FitResult {
  /** Last completed epoch (counting from 1, including epochs of a resumed run). */
  epochs: number;
  history: EpochRecord[];
  /** Epoch whose weights the model holds at the end (the best validation epoch under early stopping). */
  bestEpoch: number;
  /** Training loss of the last epoch. */
  finalLoss: number;
  /** Validation metrics of the best epoch (undefined without validation). */
  valMetrics: Record<string, number> | undefined;
  /** Training rows per second over the whole run (excluding validation). */
  examplesPerSecond: number;
  wallSeconds: number;
  /** tfjs backend used. */
  backend: string;
  /** Engine that trained. */
  engine: EngineName;
  /** Why that engine (e.g. "model fm on backend wasm: native kernels"). */
  engineReason: string;
  /** Worker threads used (1 unless the native engine ran Hogwild or the MCMC/ALS sweeps ran on threads). */
  threads: number;
  /**
   * The gradient solver's settings as run, defaults resolved (the deep cell's batch and Adam rate grow
   * with the data: `defaultBatchSize`); undefined for MCMC and ALS.
   */
  optimization: { optimizer: OptimizerName; learningRate: number; batchSize: number } | undefined;
  /** Why the run ended: every epoch ran, early stopping, a callback's 'stop', or the abort signal. */
  stopReason: StopReason;
  /** The early stopping as run, defaults resolved; undefined without validation data (or with `earlyStopping: false`). */
  earlyStopping: Required<EarlyStoppingOptions> | undefined;
  /** Mean training label and `[min, max]`, for metadata and clipping. */
  labelMean: number;
  labelRange: [number, number];
}

