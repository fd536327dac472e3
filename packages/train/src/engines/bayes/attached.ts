import type { BayesianFm } from './bayesian-fm.js';

/** The Bayesian solver that trained a model, kept beside it (the model itself holds the posterior mean). */
const attached = new WeakMap<object, BayesianFm>();

/**
 * Attaches a trained {@link BayesianFm} to the model it trained (`fit` with `solver: 'mcmc' | 'als'`,
 * and `loadModel` of a directory holding `bayes.bin`): `predict`, `predictDistribution`,
 * `rankingScorer` and `saveModel` then use its kept samples, the Bayesian predictive mean, instead of
 * the single point the model's weights hold.
 */
export function attachBayes(model: object, fm: BayesianFm): void {
  attached.set(model, fm);
}

/** The Bayesian solver attached to a model, if any. */
export function bayesOf(model: object): BayesianFm | undefined {
  return attached.get(model);
}

/** Name of the solver's file in a model directory. */
export const BAYES_FILE = 'bayes.bin';
