import type { Rng } from '@fm/data';
import type { ColumnView } from './column-view.js';
import type { BlockSweep } from './relational-block.js';
import type { LaneRunner } from './sweep-lanes.js';
import type { SweepSegment } from './sweep-plan.js';

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
  /**
   * Relational blocks swept per key instead of per row, by feature range (ascending, disjoint); their features
   * have no entries in `cols` (see relational-block.ts).
   */
  blocks: readonly BlockSweep[];
  /** The sweep's order: segments in feature order (see sweep-plan.ts); undefined: every feature in id order. */
  plan?: readonly SweepSegment[];
  /** Who sweeps laned segments (default: their lanes one after another on this thread). */
  lanes?: LaneRunner;
}
