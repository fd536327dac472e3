import type { Rng } from '@fm/data';

/**
 * A Gamma(shape, rate) draw (mean shape/rate) by Marsaglia and Tsang, "A simple method for
 * generating gamma variables" (ACM TOMS 2000); shapes below 1 use the boost
 * Gamma(a) = Gamma(a + 1)·U^(1/a).
 */
export function gammaVariate(rng: Rng, shape: number, rate: number): number {
  if (!(shape > 0) || !(rate > 0)) throw new Error(`gammaVariate: shape and rate must be positive, got ${shape}, ${rate}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return gammaVariate(rng, shape + 1, rate) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    let u = 0;
    while (u === 0) u = rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/**
 * A draw of z ~ N(mean, 1) truncated to z > 0 (`positive`) or z < 0: the latent utility of a probit
 * model given its label (Albert and Chib, "Bayesian analysis of binary and polychotomous response
 * data", JASA 1993). Exact: plain rejection when the allowed side holds at least ~30 % of the mass,
 * else Robert's exponential proposal ("Simulation of truncated normal variables", Statistics and
 * Computing 1995), so far tails cost O(1) draws too.
 */
export function truncatedNormalVariate(rng: Rng, mean: number, positive: boolean): number {
  // Work with the standard normal truncated to [a, ∞): z = mean + s·t, t ≥ a.
  const s = positive ? 1 : -1;
  const a = -s * mean;
  if (a < 0.5) {
    for (;;) {
      const t = rng.normal();
      if (t >= a) return mean + s * t;
    }
  }
  const lambda = (a + Math.sqrt(a * a + 4)) / 2;
  for (;;) {
    let u = 0;
    while (u === 0) u = rng.next();
    const t = a - Math.log(u) / lambda;
    const d = t - lambda;
    if (rng.next() <= Math.exp(-0.5 * d * d)) return mean + s * t;
  }
}
