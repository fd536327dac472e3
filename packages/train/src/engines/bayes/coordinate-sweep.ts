import type { Rng } from '@fm/data';
import type { ColumnView } from './column-view.js';

/**
 * What one coordinate-wise pass over the FM parameters needs (Rendle, "Factorization Machines with
 * libFM", ACM TIST 2012, §4.2-4.3). ŷ is linear in every single parameter θ:
 * ŷ(x) = g_θ(x) + θ·h_θ(x) with h_{w₀} = 1, h_{wₗ} = xₗ and h_{v_lf} = xₗ(q_f(x) − v_lf xₗ). With the
 * residuals rᵢ = tᵢ − ŷ(xᵢ) and the caches q_f(xᵢ) = Σₗ v_lf x_il kept current, θ's conditional is
 * Gaussian with precision P = α Σ hᵢ² + λ and mean (α(θ Σ hᵢ² + Σ rᵢhᵢ) + λμ)/P; MCMC draws from it,
 * ALS takes it (with α = 1, μ = 0 and λ the L2 strength it is the exact least-squares optimum of
 * that coordinate). Each update touches only the rows where h ≠ 0, so a sweep is O(k·nnz).
 */
export interface SweepContext {
  k: number;
  cols: ColumnView;
  bias: Float64Array;
  linear: Float64Array;
  factors: Float64Array;
  /** `[rows]` residuals t − ŷ, updated in place. */
  residual: Float64Array;
  /** `[rows*k]` row-major caches q_f(xᵢ) at `i*k + f`, updated in place. */
  q: Float64Array;
  /** Noise precision α (the data's weight). */
  alpha: number;
  /** `[n]` group of each feature. */
  groupOf: Int32Array;
  /** `[G]` prior precision and mean of the linear weights per group. */
  lambdaW: Float64Array;
  muW: Float64Array;
  /** `[G*k]` prior precision and mean of factor column f per group (index g*k + f). */
  lambdaV: Float64Array;
  muV: Float64Array;
  /** Prior precision of w₀ (mean 0). */
  lambdaBias: number;
  /** Draw from the conditional (MCMC) with this generator, or take its mean (ALS) when undefined. */
  rng: Rng | undefined;
}

/** The updated value of a coordinate with data terms a = Σh², b = Σ r h, prior (λ, μ). */
function update(c: SweepContext, theta: number, a: number, b: number, lambda: number, mu: number): number {
  const prec = c.alpha * a + lambda;
  if (!(prec > 0)) return theta; // no data and no prior: nothing determines θ
  const mean = (c.alpha * (theta * a + b) + lambda * mu) / prec;
  return c.rng ? mean + c.rng.normal() / Math.sqrt(prec) : mean;
}

/** Updates w₀ (h = 1 on every row). */
export function sweepBias(c: SweepContext): void {
  const r = c.residual;
  const n = r.length;
  let b = 0;
  for (let i = 0; i < n; i++) b += r[i] as number;
  const old = c.bias[0] as number;
  const next = update(c, old, n, b, c.lambdaBias, 0);
  const d = next - old;
  c.bias[0] = next;
  if (d !== 0) for (let i = 0; i < n; i++) r[i] = (r[i] as number) - d;
}

/** Updates every linear weight wₗ (h = xₗ). */
export function sweepLinear(c: SweepContext): void {
  const { starts, rows, values, sumSquares } = c.cols;
  const r = c.residual;
  const w = c.linear;
  const n = w.length;
  for (let l = 0; l < n; l++) {
    const s = starts[l] as number;
    const e = starts[l + 1] as number;
    let b = 0;
    for (let j = s; j < e; j++) b += (r[rows[j] as number] as number) * (values[j] as number);
    const g = c.groupOf[l] as number;
    const old = w[l] as number;
    const next = update(c, old, sumSquares[l] as number, b, c.lambdaW[g] as number, c.muW[g] as number);
    w[l] = next;
    const d = next - old;
    if (d !== 0) {
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        r[i] = (r[i] as number) - d * (values[j] as number);
      }
    }
  }
}

/**
 * Updates every factor v_lf, feature by feature and within a feature factor by factor (any fixed
 * order of coordinates is a valid Gibbs scan and a valid coordinate descent). A feature's column
 * stays in cache across its k updates, and the pass that applies v_lf's change to r and q_f also
 * accumulates Σh² and Σrh of v_l,f+1: k + 1 passes over the column for all k factors.
 */
export function sweepFactors(c: SweepContext): void {
  const k = c.k;
  if (k === 0) return;
  const { starts, rows, values } = c.cols;
  const r = c.residual;
  const q = c.q;
  const v = c.factors;
  const n = c.linear.length;
  for (let l = 0; l < n; l++) {
    const s = starts[l] as number;
    const e = starts[l + 1] as number;
    const base = l * k;
    const g = (c.groupOf[l] as number) * k;
    let old = v[base] as number;
    let a = 0;
    let b = 0;
    for (let j = s; j < e; j++) {
      const i = rows[j] as number;
      const x = values[j] as number;
      const h = x * ((q[i * k] as number) - old * x);
      a += h * h;
      b += (r[i] as number) * h;
    }
    for (let f = 0; f < k; f++) {
      const next = update(c, old, a, b, c.lambdaV[g + f] as number, c.muV[g + f] as number);
      v[base + f] = next;
      const d = next - old;
      if (f + 1 < k) {
        // Apply v_lf's change and gather the sums of v_l,f+1 in the same pass.
        const nextOld = v[base + f + 1] as number;
        let a2 = 0;
        let b2 = 0;
        for (let j = s; j < e; j++) {
          const i = rows[j] as number;
          const x = values[j] as number;
          const qi = i * k + f;
          const qv = q[qi] as number;
          const ri = (r[i] as number) - d * x * (qv - old * x);
          r[i] = ri;
          q[qi] = qv + d * x;
          const h = x * ((q[qi + 1] as number) - nextOld * x);
          a2 += h * h;
          b2 += ri * h;
        }
        old = nextOld;
        a = a2;
        b = b2;
      } else if (d !== 0) {
        for (let j = s; j < e; j++) {
          const i = rows[j] as number;
          const x = values[j] as number;
          const qi = i * k + f;
          const qv = q[qi] as number;
          r[i] = (r[i] as number) - d * x * (qv - old * x);
          q[qi] = qv + d * x;
        }
      }
    }
  }
}
