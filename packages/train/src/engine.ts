import type { SparseDataset } from '@fm/data';
import type { PassNegatives } from './engines/native/types.js';

/** The engines `fit()` trains with. */
export type EngineName = 'native' | 'tfjs' | 'mcmc' | 'als';

/** What `FitOptions.engine` accepts: an engine, or `'auto'` to let {@link chooseEngine} pick. */
export type EngineChoice = 'auto' | 'native' | 'tfjs';

/** Progress of a training pass so far (all counts cumulative over the pass). */
export interface PassProgress {
  /** Optimizer steps taken. */
  batches: number;
  /** Positive rows trained. */
  positives: number;
  /** Σ of the loss terms (MSE, log loss per scored row, BPR per pair) and their count. */
  lossSum: number;
  lossTerms: number;
}

/** Hooks a pass calls between batches. */
export interface PassHooks {
  /**
   * Called at batch boundaries: after every batch on the tfjs engine, and at least every ~50 ms of
   * work on the native engine (whose batches can be single examples). Resolves to true to stop the
   * pass there.
   */
  progress(p: PassProgress): boolean | Promise<boolean>;
}

/**
 * A training engine: what `fit()`'s one loop needs from whatever computes the steps. `fit()` owns
 * epochs, shuffling, negatives, validation, early stopping, callbacks and checkpoints; an engine trains
 * a pass over rows in a given order, scores rows, and saves/restores its weights and optimizer state.
 */
export interface TrainingEngine {
  readonly name: EngineName;
  /** Worker threads training (1 unless the native engine runs Hogwild). */
  readonly threads: number;
  /**
   * One pass over the positive rows `order` (indices into `data`) in batches of the run's batch
   * size, with the pass's sampled negatives when the task has them.
   */
  trainPass(data: SparseDataset, order: Int32Array, negatives: PassNegatives | undefined, hooks: PassHooks): Promise<PassProgress & { stopped: boolean }>;
  /** `[rows]` raw scores (ratings, logits) of every row of `data`. */
  score(data: SparseDataset): Promise<Float32Array>;
  /**
   * A copy of the trainable weights (to restore the best epoch), written into `into` when its arrays have the
   * right sizes (a previous snapshot: no fresh memory for a big table), else into new arrays.
   */
  snapshot(into?: readonly Float32Array[]): Promise<Float32Array[]>;
  restore(weights: readonly Float32Array[]): void;
  /** Optimizer state: the global step and the state arrays, for checkpoints. */
  optimizerState(): { step: number; arrays: (Float32Array | Uint8Array)[] };
  /** Restores {@link optimizerState}'s output; throws naming the mismatch when shapes differ. */
  loadOptimizerState(step: number, arrays: readonly (Float32Array | Uint8Array)[], where: string): void;
  /** Makes the model hold the engine's current weights (a no-op when the engine trains the model's own). */
  writeBack(): void;
  /** Releases threads and buffers. */
  close(): Promise<void>;
}

/**
 * Copies of `arrays`, written into `into` when it holds arrays of the same lengths (reused memory), else new.
 * @internal
 */
export function copyInto(arrays: readonly Float32Array[], into?: readonly Float32Array[]): Float32Array[] {
  if (into && into.length === arrays.length && into.every((a, i) => a.length === (arrays[i] as Float32Array).length)) {
    into.forEach((a, i) => a.set(arrays[i] as Float32Array));
    return [...into];
  }
  return arrays.map((a) => a.slice());
}
