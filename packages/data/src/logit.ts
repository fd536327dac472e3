/**
 * The log-odds log(p / (1 − p)) of a probability, p first clamped to [eps, 1 − eps] so 0 and 1 give finite values
 * (±16.1 for the default eps = 1e-7, the bound `logLoss` of @fm/eval clips at). What a model's raw score is when its
 * prediction is a probability: σ(logit(p)) = p.
 */
export function logit(p: number, eps = 1e-7): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}
