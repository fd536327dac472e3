import { logNormalCdf, type Rng } from '@fm/data';
import { truncatedNormalVariate } from './random-variates.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Probit data augmentation (Albert and Chib, JASA 1993): given the scores ŷᵢ, draws the latent
 * utilities zᵢ ~ N(ŷᵢ, 1) truncated to z > 0 for label 1 and z < 0 for label 0. Regressing on z with
 * unit noise precision is then an exact Gibbs step for P(y = 1 | x) = Φ(ŷ(x)).
 * @param scores `[rows]` ŷ; @param labels `[rows]` 0/1; @param out `[rows]` receives z.
 */
export function drawProbitTargets(rng: Rng, scores: Float64Array, labels: Float32Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = truncatedNormalVariate(rng, scores[i] as number, (labels[i] as number) > 0.5);
}

/**
 * The conditional expectation of the probit latent utility, E[z | y, ŷ]: ŷ + φ(ŷ)/Φ(ŷ) for label 1,
 * ŷ − φ(ŷ)/Φ(−ŷ) for label 0 (inverse Mills ratios, in logs so they stay finite in the tails). It is
 * the E-step of EM for probit regression; binary ALS alternates it with a least-squares sweep.
 */
export function expectedProbitTargets(scores: Float64Array, labels: Float32Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const m = scores[i] as number;
    const logPhi = -0.5 * m * m - LOG_SQRT_2PI;
    out[i] = (labels[i] as number) > 0.5 ? m + Math.exp(logPhi - logNormalCdf(m)) : m - Math.exp(logPhi - logNormalCdf(-m));
  }
}

/** Mean probit log loss −(1/N) Σ log Φ(±ŷᵢ) of scores against 0/1 labels. */
export function probitLogLoss(scores: Float64Array, labels: Float32Array): number {
  let s = 0;
  for (let i = 0; i < scores.length; i++) {
    const m = scores[i] as number;
    s -= logNormalCdf((labels[i] as number) > 0.5 ? m : -m);
  }
  return scores.length > 0 ? s / scores.length : NaN;
}
