import { logit, type SparseDataset } from '@fm/data';
import type { PassHooks, PassProgress, TrainingEngine } from '../../engine.js';
import type { NativeParams } from '../native/types.js';
import { BayesianFm, type TrackHandle } from './bayesian-fm.js';

/**
 * MCMC and ALS behind `fit()`'s loop: one pass is one `iterate()` of the {@link BayesianFm} (a Gibbs
 * sweep over every parameter, or an ALS sweep; the row order does not matter), scoring a tracked
 * data set (the validation set) is its running predictive mean, checkpoints are the chain's bytes,
 * and the model's weights receive the posterior mean. There is nothing to restore: MCMC averages every
 * sample after burn-in, so early stopping does not apply.
 */
export class BayesEngine implements TrainingEngine {
  readonly name: 'mcmc' | 'als';
  private readonly tracked = new Map<SparseDataset, TrackHandle>();

  constructor(
    public fm: BayesianFm,
    private readonly train: SparseDataset,
    private readonly target: { params: NativeParams; writeBack?: () => void },
    /** The `threads` option the chain was made with (a resumed chain gets it too). */
    private readonly threadsOption: number | 'auto' = 'auto',
  ) {
    this.name = fm.settings.solver;
  }

  /** Threads the chain's sweeps run on. */
  get threads(): number {
    return this.fm.threads;
  }

  /** Keeps a running predictive mean of `ds` (cheap per iteration); `score(ds)` then returns it. */
  track(ds: SparseDataset): void {
    if (!this.tracked.has(ds)) this.tracked.set(ds, this.fm.track(ds));
  }

  async trainPass(_data: SparseDataset, order: Int32Array, _negatives: unknown, hooks: PassHooks): Promise<PassProgress & { stopped: boolean }> {
    const info = this.fm.iterate();
    const n = order.length;
    const loss = info.trainRmse !== undefined ? info.trainRmse * info.trainRmse : (info.trainLogLoss ?? NaN);
    if (!Number.isFinite(loss)) throw new Error(`the ${this.name} solver's training loss became ${loss} at iteration ${info.iteration}`);
    const p: PassProgress = { batches: 1, positives: n, lossSum: loss * n, lossTerms: n };
    return { ...p, stopped: await hooks.progress(p) };
  }

  /** Regression: the predictive mean; binary: logit of P(y = 1) (so σ gives the probability back). */
  score(data: SparseDataset): Promise<Float32Array> {
    const h = this.tracked.get(data);
    const mean = h !== undefined ? this.fm.trackedMean(h) : this.fm.predict(data).mean;
    if (this.fm.settings.task === 'binary') {
      for (let i = 0; i < mean.length; i++) mean[i] = logit(mean[i] as number);
    }
    return Promise.resolve(mean);
  }

  snapshot(): Promise<Float32Array[]> {
    return Promise.reject(new Error(`the ${this.name} solver has no snapshots: early stopping does not apply to it`));
  }

  restore(): void {
    throw new Error(`the ${this.name} solver has no snapshots: early stopping does not apply to it`);
  }

  optimizerState(): { step: number; arrays: Uint8Array[] } {
    return { step: this.fm.iteration, arrays: [this.fm.toBytes({ checkpoint: true })] };
  }

  loadOptimizerState(_step: number, arrays: readonly (Float32Array | Uint8Array)[], where: string): void {
    const bytes = arrays[0];
    if (arrays.length !== 1 || !(bytes instanceof Uint8Array)) throw new Error(`${where}: expected the ${this.name} chain's bytes`);
    const tracked = [...this.tracked.keys()];
    this.tracked.clear();
    this.fm.close();
    this.fm = BayesianFm.fromBytes(bytes, this.train, { threads: this.threadsOption });
    for (const ds of tracked) this.track(ds);
  }

  /** Writes the posterior mean (MCMC) or the point (ALS) into the model's arrays. */
  writeBack(): void {
    const m = this.fm.posteriorMean();
    const p = this.target.params;
    p.bias.set(m.bias);
    p.linear.set(m.linear);
    if (p.factors.length === m.factors.length) p.factors.set(m.factors);
    this.target.writeBack?.();
  }

  close(): Promise<void> {
    this.fm.close();
    return Promise.resolve();
  }
}
