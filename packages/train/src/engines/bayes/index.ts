// Native coordinate-wise solvers for factorization machines: MCMC (Bayesian FM) and ALS.
export { BayesianFm, type IterationInfo, type BayesPrediction, type FmPointEstimate, type TrackHandle } from './bayesian-fm.js';
export {
  BAYES_DEFAULTS,
  type BayesianFmOptions,
  type BayesSettings,
  type BayesSolver,
  type BayesTask,
  type FixedHyperparameters,
  type AlsL2,
} from './bayesian-fm-options.js';
export { DEFAULT_BAYES_PRIOR, type BayesPrior } from './priors.js';
export type { FmArrays } from './fm-forward.js';
export { type FeatureGrouping } from './feature-groups.js';
export { BAYES_FORMAT, BAYES_FORMAT_VERSION } from './bayes-bytes.js';
