import { Rng, type FieldSchema } from '@fm/data';
import type { BayesSettings } from './bayesian-fm-options.js';
import { resolveFeatureGroups, type FeatureGroups, type FeatureGrouping } from './feature-groups.js';
import { SampleStore } from './sample-store.js';

/** Saved running moments of a tracked data set (restored when the same data set is tracked again). */
export interface SavedTrack {
  rows: number;
  count: number;
  mean: Float64Array;
  m2: Float64Array;
}

/** The training caches saved in a checkpoint (see `BayesianFm.toBytes`). */
export interface SavedCaches {
  targets: Float64Array;
  residual: Float64Array;
  q: Float64Array;
}

/**
 * Everything a {@link BayesianFm} chain is, apart from the training data: settings, the current
 * sample (Float64), hyperparameters, the generator, posterior-mean accumulators and kept samples.
 * It is what `toBytes` writes; resuming from it continues the chain exactly.
 */
export interface ChainState {
  settings: BayesSettings;
  schema: FieldSchema;
  groups: FeatureGroups;
  /** How the groups were given; an explicit map (`'custom'`) is saved with the model. */
  grouping: 'fields' | 'one' | 'custom';
  /** Completed iterations (sweeps). */
  iteration: number;
  rng: Rng;
  bias: Float64Array;
  linear: Float64Array;
  factors: Float64Array;
  /** Noise precision α of the current sample (1 for binary and ALS). */
  alpha: number;
  /** `[G]` and `[G*k]` prior precisions/means (MCMC: sampled; ALS: the L2 strengths, means 0). */
  lambdaW: Float64Array;
  muW: Float64Array;
  lambdaV: Float64Array;
  muV: Float64Array;
  /** Samples summed into the posterior-mean accumulators (those after burn-in). */
  posteriorCount: number;
  sumBias: Float64Array;
  sumLinear: Float64Array;
  sumFactors: Float64Array;
  /** Σ 1/α over the samples after burn-in (regression's predictive noise variance). */
  noiseVarianceSum: number;
  store: SampleStore;
  /** Tracked moments read from bytes, waiting for the same data sets to be tracked again. */
  pendingTracks: SavedTrack[];
  /** Training caches read from a checkpoint, used when the training set is bound. */
  savedCaches: SavedCaches | undefined;
}

function perGroup(v: number | number[], G: number, name: string): Float64Array {
  if (typeof v === 'number') return new Float64Array(G).fill(v);
  if (v.length === 1) return new Float64Array(G).fill(v[0] as number);
  if (v.length !== G) throw new Error(`BayesianFm: l2.${name} has ${v.length} entries, expected one per group (${G}) or a single number`);
  return Float64Array.from(v);
}

/** A fresh chain: factors ~ N(0, initStd²), everything else 0, hyperparameters from the settings. */
export function createChainState(settings: BayesSettings, schema: FieldSchema, grouping: FeatureGrouping): ChainState {
  const n = schema.numFeatures;
  const k = settings.k;
  const groups = resolveFeatureGroups(schema, grouping);
  const G = groups.count;
  const rng = new Rng(settings.seed);
  const factors = new Float64Array(n * k);
  for (let i = 0; i < factors.length; i++) factors[i] = settings.initStd * rng.normal();
  const lambdaW = new Float64Array(G).fill(1);
  const muW = new Float64Array(G);
  const lambdaV = new Float64Array(G * k).fill(1);
  const muV = new Float64Array(G * k);
  if (settings.solver === 'als') {
    lambdaW.set(perGroup(settings.l2.linear, G, 'linear'));
    const lv = perGroup(settings.l2.factors, G, 'factors');
    for (let g = 0; g < G; g++) lambdaV.fill(lv[g] as number, g * k, (g + 1) * k);
  } else {
    const { linear, factors: fv } = settings.fixed;
    if (linear) {
      lambdaW.fill(linear.lambda);
      muW.fill(linear.mu ?? 0);
    }
    if (fv) {
      lambdaV.fill(fv.lambda);
      muV.fill(fv.mu ?? 0);
    }
  }
  const bytesPerSample = 4 * (1 + n + n * k) + 8;
  const capacity = settings.solver === 'als' ? 0 : Math.max(1, Math.min(settings.keepSamples, Math.floor(settings.maxSampleBytes / bytesPerSample)));
  return {
    settings,
    schema,
    groups,
    grouping: grouping instanceof Int32Array ? 'custom' : grouping,
    iteration: 0,
    rng,
    bias: new Float64Array(1),
    linear: new Float64Array(n),
    factors,
    alpha: settings.fixed.noisePrecision ?? 1,
    lambdaW,
    muW,
    lambdaV,
    muV,
    posteriorCount: 0,
    sumBias: new Float64Array(1),
    sumLinear: new Float64Array(n),
    sumFactors: new Float64Array(n * k),
    noiseVarianceSum: 0,
    store: new SampleStore(n, k, capacity),
    pendingTracks: [],
    savedCaches: undefined,
  };
}
