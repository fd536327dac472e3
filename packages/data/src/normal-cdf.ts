/**
 * log erfc(z) for z ≥ 0, from the Chebyshev fit of erfc in Numerical Recipes §6.2
 * (erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), relative error < 1.2e-7 for every z ≥ 0). Working
 * in the log keeps that relative accuracy far into the tail, where erfc itself underflows.
 */
function logErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return (
    Math.log(t) -
    z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** Standard normal CDF Φ(x), via a Chebyshev fit of erfc (|error| < 1.2e-7; Numerical Recipes §6.2). */
export function normalCdf(x: number): number {
  const erfc = Math.exp(logErfc(Math.abs(x) / Math.SQRT2));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/**
 * log Φ(x), accurate (absolute error < 2e-7) for every finite x, including the far lower tail where
 * Φ(x) underflows (log Φ(−40) ≈ −804.6): the probit log-likelihood of a badly misclassified example.
 */
export function logNormalCdf(x: number): number {
  if (x < 0) return logErfc(-x / Math.SQRT2) - Math.LN2;
  return Math.log1p(-Math.exp(logErfc(x / Math.SQRT2)) / 2);
}
