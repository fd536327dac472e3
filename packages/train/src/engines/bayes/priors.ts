import type { Rng } from '@fm/data';
import { gammaVariate } from './random-variates.js';

/**
 * Hyperpriors of the Bayesian FM (Freudenthaler, Schmidt-Thieme and Rendle, "Bayesian Factorization
 * Machines", NIPS workshop 2011; Rendle, "Factorization Machines with libFM", ACM TIST 2012, §4.3):
 * y ~ N(ŷ, 1/α), α ~ Γ(α₀/2, β₀/2); per group π, wᵢ ~ N(μ_π, 1/λ_π) and v_if ~ N(μ_π,f, 1/λ_π,f) with
 * λ ~ Γ(α_λ/2, β_λ/2) and μ ~ N(μ₀, 1/(γ₀λ)); w₀ ~ N(0, 1/λ₀). Gamma is (shape, rate).
 * The defaults are libFM's (all 1, μ₀ = 0); Rendle reports the results insensitive to them.
 */
export interface BayesPrior {
  /** Shape parameter α₀ of the noise precision's Γ(α₀/2, β₀/2) (default 1). */
  alpha0: number;
  /** Rate parameter β₀ of the noise precision's Γ(α₀/2, β₀/2) (default 1). */
  beta0: number;
  /** α_λ of each group precision's Γ(α_λ/2, β_λ/2) (default 1). */
  alphaLambda: number;
  /** β_λ of each group precision's Γ(α_λ/2, β_λ/2) (default 1). */
  betaLambda: number;
  /** Mean μ₀ of each group mean's prior (default 0). */
  mu0: number;
  /** γ₀: the group mean's prior precision is γ₀λ (default 1). */
  gamma0: number;
  /** Precision λ₀ of the global bias' prior N(0, 1/λ₀); 0 (default) is a flat prior. */
  biasPrecision: number;
}

/** libFM's hyperprior settings. */
export const DEFAULT_BAYES_PRIOR: Readonly<BayesPrior> = Object.freeze({
  alpha0: 1,
  beta0: 1,
  alphaLambda: 1,
  betaLambda: 1,
  mu0: 0,
  gamma0: 1,
  biasPrecision: 0,
});

/** Fills in and checks a partial prior. */
export function resolvePrior(p: Partial<BayesPrior> = {}): BayesPrior {
  const out = { ...DEFAULT_BAYES_PRIOR, ...p };
  for (const key of ['alpha0', 'beta0', 'alphaLambda', 'betaLambda', 'gamma0'] as const) {
    if (!(out[key] > 0) || !Number.isFinite(out[key])) throw new Error(`BayesianFm: prior.${key} must be a positive number, got ${out[key]}`);
  }
  if (!Number.isFinite(out.mu0)) throw new Error(`BayesianFm: prior.mu0 must be finite, got ${out.mu0}`);
  if (!(out.biasPrecision >= 0) || !Number.isFinite(out.biasPrecision)) {
    throw new Error(`BayesianFm: prior.biasPrecision must be ≥ 0, got ${out.biasPrecision}`);
  }
  return out;
}

/** α | rest ~ Γ((α₀ + N)/2, (β₀ + Σ rᵢ²)/2), given the N residuals' sum of squares. */
export function drawNoisePrecision(rng: Rng, prior: BayesPrior, rows: number, sumSquares: number): number {
  return gammaVariate(rng, (prior.alpha0 + rows) / 2, (prior.beta0 + sumSquares) / 2);
}

/**
 * Draws (λ_π, μ_π) for every group π of one parameter family: the values θ are
 * `values[i * stride + offset]` for features i (so one factor column f of V is stride k, offset f),
 * their group hyperparameters `lambda[g * hStride + offset]`, `mu[…]` likewise. First
 * λ | μ, θ ~ Γ((α_λ + p_π + 1)/2, (Σ (θ − μ)² + γ₀(μ − μ₀)² + β_λ)/2), then
 * μ | λ, θ ~ N((Σ θ + γ₀μ₀)/(p_π + γ₀), 1/((p_π + γ₀)λ)).
 * @param sums, squares `[G]` scratch.
 */
export function drawGroupHyperparameters(
  rng: Rng,
  prior: BayesPrior,
  values: Float64Array,
  stride: number,
  offset: number,
  groupOf: Int32Array,
  sizes: Int32Array,
  lambda: Float64Array,
  mu: Float64Array,
  hStride: number,
  sums: Float64Array,
  squares: Float64Array,
): void {
  const G = sizes.length;
  sums.fill(0, 0, G);
  squares.fill(0, 0, G);
  const n = groupOf.length;
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] as number;
    const t = values[i * stride + offset] as number;
    const d = t - (mu[g * hStride + offset] as number);
    sums[g] = (sums[g] as number) + t;
    squares[g] = (squares[g] as number) + d * d;
  }
  for (let g = 0; g < G; g++) {
    const h = g * hStride + offset;
    const p = sizes[g] as number;
    const m = mu[h] as number;
    const dm = m - prior.mu0;
    const lam = gammaVariate(rng, (prior.alphaLambda + p + 1) / 2, ((squares[g] as number) + prior.gamma0 * dm * dm + prior.betaLambda) / 2);
    lambda[h] = lam;
    const prec = (p + prior.gamma0) * lam;
    mu[h] = ((sums[g] as number) + prior.gamma0 * prior.mu0) / (p + prior.gamma0) + rng.normal() / Math.sqrt(prec);
  }
}
