import { normalCdf, type FieldSchema, type SparseDataset } from '@fm/data';
import { shareOf } from '../../shared-array.js';
import { decodeChainState, encodeChainState } from './bayes-bytes.js';
import { resolveBayesSettings, type BayesianFmOptions, type BayesSettings } from './bayesian-fm-options.js';
import { createChainState, type ChainState, type SavedTrack } from './chain-state.js';
import { buildColumnView } from './column-view.js';
import { createBlockSweep, findRelationalBlocks, forwardWithBlocks, prepareBlockScoring, type BlockScoring } from './relational-block.js';
import { sweepBias, sweepFeatures, type SweepContext } from './coordinate-sweep.js';
import { localLanes, sweepThreadPolicy } from './sweep-lanes.js';
import { planSweep } from './sweep-plan.js';
import { forwardRows, type FmArrays } from './fm-forward.js';
import { drawGroupHyperparameters, drawNoisePrecision } from './priors.js';
import { drawProbitTargets, expectedProbitTargets, probitLogLoss } from './probit.js';
import { RunningMoments } from './running-moments.js';

/** What one {@link BayesianFm.iterate} did. */
export interface IterationInfo {
  /** Iterations completed so far (1 after the first). */
  iteration: number;
  /** `'burn-in'` (samples discarded), `'sampling'` (averaged) or `'als'`. */
  phase: 'burn-in' | 'sampling' | 'als';
  /** Regression: RMSE of the current sample (MCMC) or point (ALS) on the training rows. */
  trainRmse?: number;
  /** Binary: probit log loss −mean log Φ(±ŷ) of the current sample or point on the training rows. */
  trainLogLoss?: number;
  /** Noise precision α of the current sample (1 for binary and ALS). */
  noisePrecision: number;
  /** Samples averaged into predictions so far (0 during burn-in and for ALS). */
  samples: number;
  /** Samples kept for scoring new rows. */
  keptSamples: number;
  /** Wall time of the iteration, tracked data sets included. */
  millis: number;
}

/** Predictive mean and standard deviation per row. */
export interface BayesPrediction {
  /**
   * `[rows]` regression: E[ŷ] over the samples, clipped to the clip range; binary: P(y = 1) =
   * E[Φ(ŷ)] over the samples (the probit posterior predictive).
   */
  mean: Float32Array;
  /**
   * `[rows]` standard deviation over the samples of ŷ (regression) or Φ(ŷ) (binary), unclipped: the
   * model's uncertainty. With `includeNoise` (regression) the noise variance E[1/α] is added under
   * the root, the spread of a new observation. 0 for a point estimate (ALS, or before any sample).
   */
  std: Float32Array;
  /** Samples averaged (0: the current point). */
  samples: number;
}

/** A point estimate in the layout of `NativeParams`, ready to be written into an FM's weights. */
export interface FmPointEstimate {
  numFeatures: number;
  k: number;
  /** `[1]` w₀. */
  bias: Float32Array;
  /** `[n]` wᵢ. */
  linear: Float32Array;
  /** `[n*k]` row-major vᵢ. */
  factors: Float32Array;
}

/** Returned by {@link BayesianFm.track}. */
export type TrackHandle = number;

interface TrainBinding {
  ds: SparseDataset;
  /** `[rows]` regression targets (the labels) or the probit latent utilities z. */
  targets: Float64Array;
  /** `[rows]` scratch for ŷ. */
  scores: Float64Array;
  ctx: SweepContext;
  /** Threads of the laned sweeps (kept after {@link BayesianFm.close}). */
  threads: number;
  hyperSums: Float64Array;
  hyperSquares: Float64Array;
}

interface Track {
  ds: SparseDataset;
  /** Its relational blocks, scored per key (undefined: none). */
  scoring: BlockScoring | undefined;
  moments: RunningMoments;
  buf: Float64Array;
}

function labelRange(ds: SparseDataset): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ds.numRows; i++) {
    const y = ds.labels[i] as number;
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  return [lo, hi];
}

/**
 * Factorization machine trained by the native coordinate-wise solvers, in pure TypeScript over the
 * CSR arrays of a {@link SparseDataset} (no tfjs):
 * - MCMC (`solver: 'mcmc'`): Gibbs sampling of the Bayesian FM (Freudenthaler, Schmidt-Thieme and
 *   Rendle, "Bayesian Factorization Machines", 2011; Rendle, "Factorization Machines with libFM",
 *   ACM TIST 2012, §4.3). Gaussian likelihood with sampled precision α; Normal priors on w₀, w, V
 *   with Normal-Gamma hyperpriors per feature group (the schema's fields by default, libFM's
 *   `-meta`); binary labels through probit data augmentation (Albert and Chib 1993). Predictions
 *   average every sample after `burnIn`; a thinned set is kept to score new rows with a mean and a
 *   standard deviation.
 * - ALS (`solver: 'als'`): coordinate descent on the squared loss with per-group L2 (Rendle et al.,
 *   "Fast Context-aware Recommendations with Factorization Machines", SIGIR 2011); for binary
 *   labels each sweep regresses on the probit latent utilities' conditional expectations (EM for
 *   the probit MAP).
 *
 * One {@link iterate} is one sweep over every parameter, O(k·nnz) with cached residuals and
 * q_f(x) terms; a field that repeats on every row of a key (MovieLens' `rated` bag, the same on all of a user's
 * rows) is swept and scored once per key instead (Rendle, "Scaling Factorization Machines to Relational Data",
 * VLDB 2013; option `relational`). Seeded and deterministic; {@link toBytes}/{@link BayesianFm.fromBytes} save and
 * resume the chain exactly. The training set is bound at construction; datasets passed to
 * {@link track} get a running predictive mean at O(k·nnz) per iteration.
 *
 * ```ts
 * const fm = new BayesianFm(train, { solver: 'mcmc', k: 8 }); // groups: the schema's fields
 * const h = fm.track(test);
 * for (let i = 0; i < 200; i++) {
 *   const info = fm.iterate(); // { iteration, phase, trainRmse, noisePrecision, samples, millis }
 *   console.log(info.iteration, info.trainRmse, rmse(fm.trackedMean(h), test.labels));
 * }
 * const { mean, std } = fm.predict(newRows); // over the kept samples
 * const bytes = fm.toBytes(); // BayesianFm.fromBytes(bytes) scores later; fromBytes(bytes, train) continues
 * ```
 */
export class BayesianFm {
  private readonly s: ChainState;
  private train: TrainBinding | undefined;
  private readonly tracks: Track[] = [];
  private readonly scratch: Float64Array;
  private readonly relational: boolean;
  private readonly requestedThreads: number | 'auto';
  private closed = false;

  /**
   * @param train the training rows; its schema fixes the features (n) and fields (groups).
   */
  constructor(train: SparseDataset, options?: BayesianFmOptions);
  /** @internal resumes a decoded chain. */
  constructor(train: SparseDataset | undefined, options: BayesianFmOptions, state: ChainState);
  constructor(train: SparseDataset | undefined, options: BayesianFmOptions = {}, state?: ChainState) {
    if (options.relational !== undefined && typeof options.relational !== 'boolean') {
      throw new Error(`BayesianFm: relational must be true or false, got ${JSON.stringify(options.relational)}`);
    }
    this.relational = options.relational ?? true;
    const t = options.threads ?? 'auto';
    if (t !== 'auto' && !(Number.isInteger(t) && t >= 1)) throw new Error(`BayesianFm: threads must be 'auto' or an integer ≥ 1, got ${JSON.stringify(t)}`);
    this.requestedThreads = t;
    if (state) this.s = state;
    else {
      if (!train) throw new Error('BayesianFm: a training data set is required');
      if (train.numRows === 0) throw new Error('BayesianFm: the training data set has no rows');
      const settings = resolveBayesSettings(options, labelRange(train));
      this.s = createChainState(settings, train.schema, options.groups ?? 'fields');
    }
    this.scratch = new Float64Array(2 * Math.max(1, this.s.settings.k));
    if (train) this.bindTrain(train);
  }

  /** Resumes a chain saved by {@link toBytes}. Bind the same training set to continue it; without one the model only predicts. */
  static fromBytes(bytes: Uint8Array, train?: SparseDataset, options: Pick<BayesianFmOptions, 'relational' | 'threads'> = {}): BayesianFm {
    return new BayesianFm(train, options, decodeChainState(bytes));
  }

  /** Threads the sweeps run on (1 without training data or where worker threads are not registered or do not pay). */
  get threads(): number {
    return this.train?.threads ?? 1;
  }

  /** Stops the sweep's worker threads (if any); the chain still predicts and saves but no longer iterates. Idempotent. */
  close(): void {
    const ctx = this.train?.ctx;
    if (ctx?.lanes) {
      ctx.lanes.close();
      ctx.lanes = undefined;
    }
    this.closed = true;
  }

  /** The settings in force (defaults filled in). */
  get settings(): Readonly<BayesSettings> {
    return this.s.settings;
  }

  /** Completed iterations. */
  get iteration(): number {
    return this.s.iteration;
  }

  /** The features' schema (fields and offsets) the model was built on. */
  get schema(): FieldSchema {
    return this.s.schema;
  }

  /** Number of features n. */
  get numFeatures(): number {
    return this.s.schema.numFeatures;
  }

  /** Samples kept for scoring new rows. */
  get keptSamples(): number {
    return this.s.store.count;
  }

  /**
   * The current hyperparameters: noise precision α and, per group g, the linear weights' prior
   * precision λ[g] and mean μ[g] and the factors' λ[g*k + f], μ[g*k + f] (for ALS the L2 strengths,
   * means 0). Copies.
   */
  hyperparameters(): {
    noisePrecision: number;
    groups: number;
    linear: { lambda: Float64Array; mu: Float64Array };
    factors: { lambda: Float64Array; mu: Float64Array };
  } {
    const s = this.s;
    return {
      noisePrecision: s.alpha,
      groups: s.groups.count,
      linear: { lambda: s.lambdaW.slice(), mu: s.muW.slice() },
      factors: { lambda: s.lambdaV.slice(), mu: s.muV.slice() },
    };
  }

  private bindTrain(ds: SparseDataset): void {
    const s = this.s;
    const n = s.schema.numFeatures;
    if (ds.schema.numFeatures !== n || !ds.schema.equals(s.schema)) {
      throw new Error(`BayesianFm: the training data's schema differs from the model's (${n} features in ${s.schema.numFields} fields)`);
    }
    const binary = s.settings.task === 'binary';
    if (binary) {
      for (let i = 0; i < ds.numRows; i++) {
        const y = ds.labels[i] as number;
        if (y !== 0 && y !== 1) throw new Error(`BayesianFm: binary task, but training row ${i} has label ${y} (expected 0 or 1)`);
      }
    }
    const rows = ds.numRows;
    const k = s.settings.k;
    const blocks = this.relational ? findRelationalBlocks(ds, k) : [];
    let cols = buildColumnView(ds, blocks);
    const plan = planSweep(ds, cols, blocks);
    let laneWork = 0;
    for (const seg of plan) if (seg.lanes) laneWork += (k + 1) * ((cols.starts[seg.hi] as number) - (cols.starts[seg.lo] as number));
    const policy = sweepThreadPolicy();
    // no laned field: nothing for other threads to do
    const threads = laneWork > 0 ? policy.threads(laneWork, this.requestedThreads) : 1;
    const shared = threads > 1;
    const rowArray = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n));
    if (shared) {
      // the workers sweep these very arrays
      for (const key of ['linear', 'factors', 'lambdaW', 'muW', 'lambdaV', 'muV'] as const) s[key] = shareOf(s[key]);
      s.groups = { ...s.groups, groupOf: shareOf(s.groups.groupOf) };
      cols = { ...cols, starts: shareOf(cols.starts), rows: shareOf(cols.rows), values: shareOf(cols.values), sumSquares: shareOf(cols.sumSquares), unit: shareOf(cols.unit) };
    }
    const ctx: SweepContext = {
      k,
      cols,
      bias: s.bias,
      linear: s.linear,
      factors: s.factors,
      residual: rowArray(rows),
      q: rowArray(k * rows),
      alpha: 1,
      groupOf: s.groups.groupOf,
      lambdaW: s.lambdaW,
      muW: s.muW,
      lambdaV: s.lambdaV,
      muV: s.muV,
      lambdaBias: s.settings.solver === 'mcmc' ? s.settings.prior.biasPrecision : s.settings.l2.bias,
      rng: undefined,
      blocks: blocks.map((b) => createBlockSweep(b, k)),
      plan,
    };
    ctx.lanes = shared ? policy.create(ctx, threads) : localLanes;
    const G = s.groups.count;
    const d: TrainBinding = {
      ds,
      targets: Float64Array.from(ds.labels),
      scores: new Float64Array(rows),
      ctx,
      threads,
      hyperSums: new Float64Array(G),
      hyperSquares: new Float64Array(G),
    };
    const saved = s.savedCaches;
    s.savedCaches = undefined;
    if (saved && saved.residual.length === rows && saved.q.length === k * rows) {
      // A checkpoint: continue with the very caches the chain had.
      d.targets.set(saved.targets);
      ctx.residual.set(saved.residual);
      ctx.q.set(saved.q);
    } else {
      // ŷ and q from the parameters; binary targets start at ŷ (r = 0) and are drawn each iteration.
      this.forward(this.current(), ds, blocks.length > 0 ? prepareBlockScoring(ds, blocks) : undefined, d.scores, ctx.q);
      if (binary) d.targets.set(d.scores);
      for (let i = 0; i < rows; i++) ctx.residual[i] = (d.targets[i] as number) - (d.scores[i] as number);
    }
    this.train = d;
  }

  private current(): FmArrays {
    return { bias: this.s.bias, linear: this.s.linear, factors: this.s.factors };
  }

  /**
   * One sweep. MCMC draws α, then every group's hyperparameters, then w₀, then feature by feature wₗ
   * and v_l0 … v_l,k−1, each from its conditional; ALS updates the same coordinates in the same
   * order to their least-squares optimum.
   */
  iterate(): IterationInfo {
    const t0 = performance.now();
    const s = this.s;
    const set = s.settings;
    const d = this.train;
    if (!d) throw new Error('BayesianFm.iterate: no training data bound (pass it to fromBytes to continue a saved chain)');
    if (this.closed) throw new Error('BayesianFm.iterate: the chain was closed (its sweep threads stopped)');
    const mcmc = set.solver === 'mcmc';
    const binary = set.task === 'binary';
    const k = set.k;
    const rows = d.ds.numRows;
    const rng = s.rng;
    const ctx = d.ctx;
    const r = ctx.residual;
    if (binary) {
      // New latent utilities (MCMC) or their expectations (ALS) around ŷ = t − r.
      for (let i = 0; i < rows; i++) d.scores[i] = (d.targets[i] as number) - (r[i] as number);
      if (mcmc) drawProbitTargets(rng, d.scores, d.ds.labels, d.targets);
      else expectedProbitTargets(d.scores, d.ds.labels, d.targets);
      for (let i = 0; i < rows; i++) r[i] = (d.targets[i] as number) - (d.scores[i] as number);
    }
    if (mcmc) {
      if (!binary && set.fixed.noisePrecision === undefined) {
        let sse = 0;
        for (let i = 0; i < rows; i++) sse += (r[i] as number) * (r[i] as number);
        s.alpha = drawNoisePrecision(rng, set.prior, rows, sse);
      }
      const groups = s.groups;
      if (set.linear && !set.fixed.linear) {
        drawGroupHyperparameters(rng, set.prior, s.linear, 1, 0, groups.groupOf, groups.sizes, s.lambdaW, s.muW, 1, d.hyperSums, d.hyperSquares);
      }
      if (!set.fixed.factors) {
        for (let f = 0; f < k; f++) {
          drawGroupHyperparameters(rng, set.prior, s.factors, k, f, groups.groupOf, groups.sizes, s.lambdaV, s.muV, k, d.hyperSums, d.hyperSquares);
        }
      }
    }
    ctx.alpha = mcmc ? s.alpha : 1;
    ctx.rng = mcmc ? rng : undefined;
    if (set.bias) sweepBias(ctx);
    sweepFeatures(ctx, set.linear);
    s.iteration++;
    const sampling = mcmc && s.iteration > set.burnIn;
    if (sampling) this.accumulate();
    const info: IterationInfo = {
      iteration: s.iteration,
      phase: mcmc ? (sampling ? 'sampling' : 'burn-in') : 'als',
      noisePrecision: mcmc && !binary ? s.alpha : 1,
      samples: s.posteriorCount,
      keptSamples: s.store.count,
      millis: 0,
    };
    // Training fit of the new sample: ŷ = t − r.
    if (binary) {
      for (let i = 0; i < rows; i++) d.scores[i] = (d.targets[i] as number) - (r[i] as number);
      info.trainLogLoss = probitLogLoss(d.scores, d.ds.labels);
    } else {
      let e = 0;
      for (let i = 0; i < rows; i++) e += (r[i] as number) * (r[i] as number);
      info.trainRmse = Math.sqrt(e / rows);
    }
    info.millis = performance.now() - t0;
    return info;
  }

  /** Adds the current sample to the posterior sums, the kept samples and every tracked data set. */
  private accumulate(): void {
    const s = this.s;
    s.posteriorCount++;
    s.sumBias[0] = (s.sumBias[0] as number) + (s.bias[0] as number);
    addInto(s.sumLinear, s.linear);
    addInto(s.sumFactors, s.factors);
    if (s.settings.task === 'regression') s.noiseVarianceSum += 1 / s.alpha;
    s.store.offer(this.current(), s.alpha);
    for (const t of this.tracks) {
      this.currentOutputs(t.ds, t.buf, t.scoring);
      t.moments.add(t.buf);
    }
  }

  /** ŷ of `p` on every row of `ds` into `out` (and q_f into `q`), its relational blocks (`scoring`) summed per key. */
  private forward(p: FmArrays, ds: SparseDataset, scoring: BlockScoring | undefined, out: Float64Array, q?: Float64Array): void {
    const k = this.s.settings.k;
    if (scoring !== undefined) forwardWithBlocks(p, k, scoring, out, q);
    else forwardRows(p, k, ds, out, this.scratch, q);
  }

  /** `ds` prepared for scoring its relational blocks per key, or undefined (none worth it, or `relational` off). */
  private scoring(ds: SparseDataset): BlockScoring | undefined {
    if (!this.relational || !ds.schema.equals(this.s.schema)) return undefined;
    const blocks = findRelationalBlocks(ds, this.s.settings.k, 'score');
    return blocks.length > 0 ? prepareBlockScoring(ds, blocks) : undefined;
  }

  /** The current sample's outputs on `ds` (ŷ for regression, Φ(ŷ) for binary) into `out`. */
  private currentOutputs(ds: SparseDataset, out: Float64Array, scoring: BlockScoring | undefined): void {
    const d = this.train;
    if (d && ds === d.ds) {
      // The bound training set: ŷ = t − r is at hand.
      const r = d.ctx.residual;
      for (let i = 0; i < out.length; i++) out[i] = (d.targets[i] as number) - (r[i] as number);
    } else {
      this.forward(this.current(), ds, scoring, out);
    }
    if (this.s.settings.task === 'binary') for (let i = 0; i < out.length; i++) out[i] = normalCdf(out[i] as number);
  }

  /**
   * Registers a data set (validation, test, or the training set itself) whose predictive mean is
   * kept up to date every iteration after burn-in, at O(k·nnz) per iteration (free for the training
   * set), so a per-iteration test RMSE costs no extra pass. When resuming from bytes written with
   * `{ checkpoint: true }`, tracking the same data sets in the same order restores their sums.
   */
  track(ds: SparseDataset): TrackHandle {
    this.checkFits(ds, 'track');
    const moments = new RunningMoments(ds.numRows);
    const pending = this.s.pendingTracks.shift();
    if (pending) {
      if (pending.rows !== ds.numRows) {
        throw new Error(`BayesianFm.track: the saved chain tracked a data set of ${pending.rows} rows here, got ${ds.numRows}`);
      }
      moments.count = pending.count;
      moments.mean.set(pending.mean);
      moments.m2.set(pending.m2);
    }
    // the bound training set is read off its residuals, never scored
    this.tracks.push({ ds, scoring: ds === this.train?.ds ? undefined : this.scoring(ds), moments, buf: new Float64Array(ds.numRows) });
    return this.tracks.length - 1;
  }

  private tracked(h: TrackHandle): Track {
    const t = this.tracks[h];
    if (!t) throw new Error(`BayesianFm: unknown track handle ${h}`);
    return t;
  }

  /**
   * `[rows]` predictive mean of a tracked data set: the average over the samples after burn-in
   * (regression: clipped; binary: P(y = 1)); during burn-in and for ALS, the current sample or point.
   */
  trackedMean(h: TrackHandle): Float32Array {
    const t = this.tracked(h);
    if (t.moments.count === 0) {
      this.currentOutputs(t.ds, t.buf, t.scoring);
      return this.finishMean(t.buf);
    }
    return this.finishMean(t.moments.mean);
  }

  /** `[rows]` predictive standard deviation of a tracked data set (see {@link BayesPrediction.std}). */
  trackedStd(h: TrackHandle, options: { includeNoise?: boolean } = {}): Float32Array {
    const t = this.tracked(h);
    const s = this.s;
    const noise = options.includeNoise && s.settings.task === 'regression' && s.posteriorCount > 0 ? s.noiseVarianceSum / s.posteriorCount : 0;
    return t.moments.std(noise);
  }

  private finishMean(values: Float64Array, clipped = true): Float32Array {
    const out = Float32Array.from(values);
    const clip = clipped ? this.s.settings.clip : null;
    if (clip) for (let i = 0; i < out.length; i++) out[i] = Math.min(clip[1], Math.max(clip[0], out[i] as number));
    return out;
  }

  private checkFits(ds: SparseDataset, where: string): void {
    const n = this.s.schema.numFeatures;
    if (ds.schema.numFeatures === n && ds.schema.equals(this.s.schema)) return;
    const ids = ds.ids;
    for (let j = 0; j < ids.length; j++) {
      if ((ids[j] as number) >= n) throw new Error(`BayesianFm.${where}: feature id ${ids[j]} is outside the model's ${n} features`);
    }
  }

  /**
   * Scores any rows with the kept samples (MCMC) or the current point (ALS, or an MCMC chain still in
   * burn-in): predictive mean and standard deviation per row. O(kept samples · k · nnz), relational blocks
   * summed once per key. Regression means are clipped to the model's `clip` range unless `clip: false`.
   */
  predict(ds: SparseDataset, options: { includeNoise?: boolean; clip?: boolean } = {}): BayesPrediction {
    this.checkFits(ds, 'predict');
    const s = this.s;
    const rows = ds.numRows;
    const buf = new Float64Array(rows);
    const scoring = this.scoring(ds);
    const binary = s.settings.task === 'binary';
    const store = s.store;
    if (store.count === 0) {
      this.forward(this.current(), ds, scoring, buf);
      if (binary) for (let i = 0; i < rows; i++) buf[i] = normalCdf(buf[i] as number);
      return { mean: this.finishMean(buf, options.clip), std: new Float32Array(rows), samples: 0 };
    }
    const moments = new RunningMoments(rows);
    let noise = 0;
    for (let i = 0; i < store.count; i++) {
      this.forward(store.sample(i), ds, scoring, buf);
      if (binary) for (let r = 0; r < rows; r++) buf[r] = normalCdf(buf[r] as number);
      moments.add(buf);
      noise += 1 / (store.alpha[i] as number);
    }
    const extra = options.includeNoise && !binary ? noise / store.count : 0;
    return { mean: this.finishMean(moments.mean, options.clip), std: moments.std(extra), samples: store.count };
  }

  /**
   * The parameter sets {@link predict} averages over: every kept sample (MCMC), or the current point when none is
   * kept (ALS, or a chain still in burn-in). Views into the model, in `NativeParams` layout: read them, do not write.
   */
  scoringPoints(): FmArrays[] {
    const store = this.s.store;
    if (store.count === 0) return [this.current()];
    return Array.from({ length: store.count }, (_, i) => store.sample(i));
  }

  /**
   * The posterior mean of the parameters (MCMC, over every sample after burn-in) or the current
   * point (ALS, or during burn-in), in `NativeParams` layout. Note that an FM scored with averaged
   * parameters is not the Bayesian predictive mean (ŷ is not linear in V): {@link predict} is; this
   * is for exporting a single model (for example into a tfjs FM).
   */
  posteriorMean(): FmPointEstimate {
    const s = this.s;
    const c = s.posteriorCount;
    const scale = c > 0 ? 1 / c : 1;
    const pick = (sum: Float64Array, cur: Float64Array) => {
      const out = new Float32Array(sum.length);
      const src = c > 0 ? sum : cur;
      for (let i = 0; i < out.length; i++) out[i] = (src[i] as number) * scale;
      return out;
    };
    return {
      numFeatures: s.schema.numFeatures,
      k: s.settings.k,
      bias: pick(s.sumBias, s.bias),
      linear: pick(s.sumLinear, s.linear),
      factors: pick(s.sumFactors, s.factors),
    };
  }

  /**
   * The chain as bytes (versioned): settings, schema, current sample, hyperparameters, generator
   * state, posterior sums and kept samples: what the model directory needs. With
   * `checkpoint: true` also the training caches (residuals, q terms, latent targets: O(k·rows)) and
   * the tracked data sets' running sums, so that {@link BayesianFm.fromBytes} with the same training
   * set (and the same data sets tracked again in the same order) continues the chain bit for bit.
   * Without them a resumed chain recomputes the caches from the parameters: the same chain up to
   * floating-point rounding of the caches.
   */
  toBytes(options: { checkpoint?: boolean } = {}): Uint8Array {
    if (!options.checkpoint) return encodeChainState(this.s, [], undefined);
    const tracks: SavedTrack[] = this.tracks.map((t) => ({ rows: t.ds.numRows, count: t.moments.count, mean: t.moments.mean, m2: t.moments.m2 }));
    const d = this.train;
    return encodeChainState(this.s, tracks, d ? { targets: d.targets, residual: d.ctx.residual, q: d.ctx.q } : undefined);
  }
}

function addInto(sum: Float64Array, x: Float64Array): void {
  for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (x[i] as number);
}
