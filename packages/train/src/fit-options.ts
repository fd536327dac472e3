import type { Engine } from './fused-binding.js';
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
  /** Epochs without improvement before stopping (default 3 on the tfjs engine, 10 on the fused one). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
}

/** Passed to `onBatchEnd` (epochs and batches count from 1). */
export interface BatchEndInfo {
  epoch: number;
  batch: number;
  batches: number;
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
   * Which engine trains (default 'auto'): the fused pure-TypeScript engine for LR/FM/FFM/MF on the
   * cpu and wasm backends (regression and binary tasks without sampled negatives or checkpoints), else
   * tfjs on the current backend. The fused engine has its own defaults (per-example SGD, see
   * `FUSED_DEFAULTS`); the tfjs engine's are the ones documented on each option here.
   */
  engine?: Engine;
  /** Fused engine: Hogwild worker threads (Node, after importing '@fm/train/node'); default 'auto'. */
  threads?: number | 'auto';
  /** Maximum epochs (default 100; early stopping usually ends sooner). */
  epochs?: number;
  /** Positive rows per step (default 256). */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: OptimizerName;
  /** Default: adam 2e-3, adagrad 0.05, sgd 0.05, ftrl 0.05. */
  learningRate?: number;
  /** Other optimizer hyper-parameters (betas, epsilon, FTRL's β, λ₁, λ₂). */
  optimizerConfig?: Partial<OptimizerConfig>;
  /** L2 per parameter group, per example (default { linear: 0.03, factors: 0.2, dense: 1e-4 }: tuned on MovieLens-100K; ranking: 1e-4). */
  l2?: L2Option;
  /** Seed of shuffling, the validation split and negative sampling (default 42). */
  seed?: number;
  /** A validation set, a seeded fraction of train held out, or false. Default { fraction: 0.1 }. */
  validation?: SparseDataset | { fraction: number } | false;
  /** Early stopping; on by default whenever there is validation data. */
  earlyStopping?: EarlyStoppingOptions | false;
  /** Negatives for ranking (required) or for binary with `negativesPerPositive`. */
  negatives?: NegativeOptions;
  /** Binary task: sampled negatives per positive row (every training row is then a positive). Default 0. */
  negativesPerPositive?: number;
  /** Start the global bias at the mean label (regression) or its logit (binary) when it is still 0. Default true. */
  initBias?: boolean;
  callbacks?: FitCallbacks;
  /** Save a checkpoint every `every` epochs (default 1) and after the last; `dir` needs Node. */
  checkpoint?: { dir?: string; store?: CheckpointStore; every?: number };
  /** Resume from a checkpoint directory (Node) or store: weights, optimizer state, history and epoch. */
  resumeFrom?: string | CheckpointStore;
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
  /** Engine that trained: 'fused' or 'tfjs'. */
  engine: 'fused' | 'tfjs';
  /** Worker threads used (1 unless the fused engine ran Hogwild). */
  threads: number;
  stopReason: StopReason;
  /** Mean training label and `[min, max]`, for metadata and clipping. */
  labelMean: number;
  labelRange: [number, number];
}

/** Default learning rates per optimizer. */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = { adam: 2e-3, adagrad: 0.05, sgd: 0.05, ftrl: 0.05 };
/** Default L2 per group. */
export const DEFAULT_L2: L2Option = { linear: 0.03, factors: 0.2, dense: 1e-4 };

/**
 * L2 of the BPR ranking task (tfjs engine). The rating default above is far too strong for BPR: it
 * shrinks the factors until only item biases (popularity) remain. 1e-4 on every group gave HR@10 0.652 /
 * NDCG@10 0.381 on MovieLens-100K leave-last-out with 99 sampled negatives (popularity: 0.404 / 0.223).
 */
export const DEFAULT_RANKING_L2: L2Option = 1e-4;
