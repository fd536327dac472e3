import type { FeatureGrouping } from './feature-groups.js';
import { resolvePrior, type BayesPrior } from './priors.js';

/**
 * The solver: `'mcmc'` is Gibbs sampling of the Bayesian FM (Freudenthaler, Schmidt-Thieme and
 * Rendle 2011; Rendle, ACM TIST 2012, §4.3), `'als'` coordinate descent on the L2-regularised
 * squared loss (Rendle, Gantner, Freudenthaler and Schmidt-Thieme, "Fast Context-aware
 * Recommendations with Factorization Machines", SIGIR 2011).
 */
export type BayesSolver = 'mcmc' | 'als';

/** What the labels are: real targets (Gaussian noise) or 0/1 (probit link, P(y = 1) = Φ(ŷ)). */
export type BayesTask = 'regression' | 'binary';

/** Hyperparameters held fixed instead of sampled (MCMC). */
export interface FixedHyperparameters {
  /** Noise precision α (regression only; binary fixes α = 1). */
  noisePrecision?: number;
  /** Prior N(mu, 1/lambda) on every linear weight wᵢ. */
  linear?: { lambda: number; mu?: number };
  /** Prior N(mu, 1/lambda) on every factor v_if. */
  factors?: { lambda: number; mu?: number };
}

/** L2 strengths of ALS: per parameter family, one number for every group or one per group. */
export interface AlsL2 {
  /** On w₀ (default 0). */
  bias?: number;
  /** On the linear weights (default {@link BAYES_DEFAULTS}.alsL2.linear). */
  linear?: number | readonly number[];
  /** On the factors (default {@link BAYES_DEFAULTS}.alsL2.factors). */
  factors?: number | readonly number[];
}

/** Options of {@link BayesianFm}. */
export interface BayesianFmOptions {
  /** Default `'mcmc'`. */
  solver?: BayesSolver;
  /** Default `'regression'`. Binary labels must be 0 or 1. */
  task?: BayesTask;
  /** Factor dimension k ≥ 0 (default 8); 0 gives a (Bayesian) linear model. */
  k?: number;
  /** Use the global bias w₀ (default true). */
  bias?: boolean;
  /** Use the linear weights w (default true). */
  linear?: boolean;
  /** Standard deviation of the N(0, σ²) initial factors (default 0.1, libFM's). */
  initStd?: number;
  /** Seed of the initialisation and of every draw (default 0). */
  seed?: number;
  /** How features share prior hyperparameters (MCMC) and L2 strengths (ALS); default `'fields'`. */
  groups?: FeatureGrouping;
  /** MCMC: iterations whose samples are discarded before averaging (default {@link BAYES_DEFAULTS}.burnIn). */
  burnIn?: number;
  /** MCMC: most posterior samples kept for {@link BayesianFm.predict} on new rows (default 100). */
  keepSamples?: number;
  /** MCMC: cap on the kept samples' memory, in bytes (default 64 MiB); fewer are kept for large models. */
  maxSampleBytes?: number;
  /** MCMC hyperpriors (default libFM's, see {@link BayesPrior}). */
  prior?: Partial<BayesPrior>;
  /** MCMC: hyperparameters held fixed instead of sampled. */
  fixed?: FixedHyperparameters;
  /** ALS: L2 strengths. */
  l2?: AlsL2;
  /**
   * Regression: clip predictive means to a range; `true` (default) clips to the training labels'
   * [min, max] as libFM does, `false` never clips.
   */
  clip?: boolean | readonly [number, number];
  /**
   * Sweep relational blocks per key (default true): a field whose entries repeat on every row of a key, as
   * MovieLens' `rated` bag on every row of its user, takes the same updates computed from per-key sums (Rendle,
   * "Scaling Factorization Machines to Relational Data", VLDB 2013) where that is less work than per row. The
   * chain is the same up to floating-point rounding; `false` sweeps every block row by row. Not saved with the model.
   */
  relational?: boolean;
  /**
   * Threads of a sweep (default `'auto'`): a field in which no row has two entries (user ids, item ids, …) is cut into
   * lanes of features that share no rows, swept at once on worker threads in Node after importing
   * `@fm/train/node` (`'auto'`: up to 4 where the machine has the cores and the data is large enough); elsewhere
   * one. The chain is the same for any number of threads. Not saved with the model.
   */
  threads?: number | 'auto';
}

/**
 * Defaults of the native solvers. `initStd` (0.05-0.5 tried), `burnIn` (0-50) and the ALS L2
 * strength (2-30) were chosen by validation RMSE on a seeded 10 % slice of MovieLens-100K `ua.base`,
 * MCMC averaged over three seeds (`pnpm --filter @fm/bench bayes --tune`; never on a test file).
 * The hyperpriors are libFM's.
 */
export const BAYES_DEFAULTS = Object.freeze({
  solver: 'mcmc' as BayesSolver,
  task: 'regression' as BayesTask,
  k: 8,
  initStd: 0.1,
  seed: 0,
  burnIn: 10,
  keepSamples: 100,
  maxSampleBytes: 64 * 2 ** 20,
  alsL2: Object.freeze({ bias: 0, linear: 10, factors: 10 }),
});

/** Settings after defaults, as saved with the model. */
export interface BayesSettings {
  solver: BayesSolver;
  task: BayesTask;
  k: number;
  bias: boolean;
  linear: boolean;
  initStd: number;
  seed: number;
  burnIn: number;
  keepSamples: number;
  maxSampleBytes: number;
  prior: BayesPrior;
  fixed: FixedHyperparameters;
  l2: { bias: number; linear: number | number[]; factors: number | number[] };
  /** Clip range of regression means, or null. */
  clip: [number, number] | null;
}

function check(ok: boolean, what: string, got: unknown): void {
  if (!ok) throw new Error(`BayesianFm: ${what}, got ${String(got)}`);
}

function checkStrength(v: number | readonly number[], name: string): number | number[] {
  const list = typeof v === 'number' ? [v] : [...v];
  for (const x of list) check(Number.isFinite(x) && x >= 0, `l2.${name} must be ≥ 0`, x);
  return typeof v === 'number' ? v : list;
}

/** Fills in and checks options; `labelRange` is the training labels' [min, max]. */
export function resolveBayesSettings(o: BayesianFmOptions, labelRange: [number, number]): BayesSettings {
  const solver = o.solver ?? BAYES_DEFAULTS.solver;
  check(solver === 'mcmc' || solver === 'als', `solver must be 'mcmc' or 'als'`, solver);
  const task = o.task ?? BAYES_DEFAULTS.task;
  check(task === 'regression' || task === 'binary', `task must be 'regression' or 'binary'`, task);
  // An option the chosen solver or task cannot honour is an error, never silently ignored.
  const unused = (names: readonly (keyof BayesianFmOptions)[], why: string) => {
    for (const name of names) if (o[name] !== undefined) throw new Error(`BayesianFm: option ${name} does not apply to ${why}`);
  };
  if (solver === 'als') unused(['burnIn', 'keepSamples', 'maxSampleBytes', 'prior', 'fixed'], "solver 'als' (it has no samples or priors; use l2)");
  else unused(['l2'], "solver 'mcmc' (it samples its regularisation; see prior and fixed)");
  if (task === 'binary') {
    unused(['clip'], "task 'binary' (its predictions are probabilities)");
    if (o.fixed?.noisePrecision !== undefined) throw new Error("BayesianFm: fixed.noisePrecision does not apply to task 'binary' (the probit model has α = 1)");
  }
  const k = o.k ?? BAYES_DEFAULTS.k;
  check(Number.isInteger(k) && k >= 0, 'k must be an integer ≥ 0', k);
  const initStd = o.initStd ?? BAYES_DEFAULTS.initStd;
  check(Number.isFinite(initStd) && initStd >= 0, 'initStd must be ≥ 0', initStd);
  const seed = o.seed ?? BAYES_DEFAULTS.seed;
  check(Number.isFinite(seed), 'seed must be a finite number', seed);
  const burnIn = o.burnIn ?? BAYES_DEFAULTS.burnIn;
  check(Number.isInteger(burnIn) && burnIn >= 0, 'burnIn must be an integer ≥ 0', burnIn);
  const keepSamples = o.keepSamples ?? BAYES_DEFAULTS.keepSamples;
  check(Number.isInteger(keepSamples) && keepSamples >= 1, 'keepSamples must be an integer ≥ 1', keepSamples);
  const maxSampleBytes = o.maxSampleBytes ?? BAYES_DEFAULTS.maxSampleBytes;
  check(maxSampleBytes > 0, 'maxSampleBytes must be positive', maxSampleBytes);
  const fixed = o.fixed ?? {};
  if (fixed.noisePrecision !== undefined) check(fixed.noisePrecision > 0, 'fixed.noisePrecision must be positive', fixed.noisePrecision);
  for (const key of ['linear', 'factors'] as const) {
    const f = fixed[key];
    if (f) check(f.lambda > 0 && Number.isFinite(f.mu ?? 0), `fixed.${key} needs lambda > 0 and a finite mu`, JSON.stringify(f));
  }
  const l2 = {
    bias: o.l2?.bias ?? BAYES_DEFAULTS.alsL2.bias,
    linear: checkStrength(o.l2?.linear ?? BAYES_DEFAULTS.alsL2.linear, 'linear'),
    factors: checkStrength(o.l2?.factors ?? BAYES_DEFAULTS.alsL2.factors, 'factors'),
  };
  check(Number.isFinite(l2.bias) && l2.bias >= 0, 'l2.bias must be ≥ 0', l2.bias);
  let clip: [number, number] | null = null;
  if (task === 'regression') {
    const c = o.clip ?? true;
    if (c === true) clip = [labelRange[0], labelRange[1]];
    else if (c !== false) {
      check(Array.isArray(c) && c.length === 2 && (c[0] as number) <= (c[1] as number), 'clip must be a boolean or [lo, hi] with lo ≤ hi', c);
      clip = [c[0] as number, c[1] as number];
    }
  }
  return {
    solver,
    task,
    k,
    bias: o.bias ?? true,
    linear: o.linear ?? true,
    initStd,
    seed,
    burnIn: solver === 'als' ? 0 : burnIn,
    keepSamples,
    maxSampleBytes,
    prior: resolvePrior(o.prior),
    fixed: structuredClone(fixed),
    l2,
    clip,
  };
}
