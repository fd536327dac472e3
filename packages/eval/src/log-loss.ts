import { checkPaired } from './validate.js';

function checkUnitInterval(fn: string, name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (v < 0 || v > 1) throw new Error(`${fn}: ${name}[${i}] is ${v}, expected a value in [0, 1]`);
  }
}

/**
 * Mean binary cross-entropy −(1/n) Σ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)] from probabilities.
 * Probabilities are clipped to [eps, 1 − eps] first, so a confident mistake costs at most −log(eps)
 * (≈ 16.1 for the default eps = 1e-7) instead of Infinity.
 *
 * @param probabilities `[n]` predicted P(y = 1), each in [0, 1].
 * @param labels `[n]` targets in [0, 1] (usually 0/1; soft labels are accepted).
 * @param eps clipping bound, default 1e-7.
 */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, eps = 1e-7): number {
  checkPaired('logLoss', 'probabilities', probabilities, 'labels', labels);
  checkUnitInterval('logLoss', 'probabilities', probabilities);
  checkUnitInterval('logLoss', 'labels', labels);
  if (!(eps > 0 && eps < 0.5)) throw new Error(`logLoss: eps must be in (0, 0.5), got ${eps}`);
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i] as number, eps), 1 - eps);
    const y = labels[i] as number;
    s -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return s / labels.length;
}

/**
 * Mean binary cross-entropy from logits zᵢ (p = σ(z)), computed stably without clipping as
 * (1/n) Σ [max(zᵢ, 0) − yᵢ zᵢ + log(1 + e^{−|zᵢ|})], which equals softplus(z) − y·z.
 *
 * @param logits `[n]` raw model outputs.
 * @param labels `[n]` targets in [0, 1].
 */
export function logLossFromLogits(logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkPaired('logLossFromLogits', 'logits', logits, 'labels', labels);
  checkUnitInterval('logLossFromLogits', 'labels', labels);
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const z = logits[i] as number;
    s += Math.max(z, 0) - (labels[i] as number) * z + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return s / labels.length;
}
