import type { SweepContext } from './sweep-context.js';

// The per-column Gibbs/ALS updates. Self-contained (they call only each other and `c.rng.normal()`), so the
// Node worker threads of sweep-lanes-node.ts run their very source text: keep it so.

/**
 * The updated value of a coordinate with data terms a = Σh², b = Σ r h, prior (λ, μ): a draw from its Gaussian
 * conditional (MCMC, `c.rng` set) or its mean (ALS).
 */
export function update(c: SweepContext, theta: number, a: number, b: number, lambda: number, mu: number): number {
  const prec = c.alpha * a + lambda;
  if (!(prec > 0)) return theta; // no data and no prior: nothing determines θ
  const mean = (c.alpha * (theta * a + b) + lambda * mu) / prec;
  return c.rng ? mean + c.rng.normal() / Math.sqrt(prec) : mean;
}

/**
 * Updates the features `[lo, hi)`, none of them in a relational block, feature by feature (see
 * {@link sweepColumn}); a one-hot column takes {@link sweepUnitFeature}.
 */
export function sweepRange(c: SweepContext, lo: number, hi: number, linear: boolean): void {
  const unit = c.cols.unit;
  for (let l = lo; l < hi; l++) {
    if (unit[l] === 1 && c.k > 0) sweepUnitFeature(c, l, linear);
    else sweepColumn(c, l, linear);
  }
}

/**
 * Updates feature l: the linear weight wₗ (h = xₗ; skipped when `linear` is false) and then the factors
 * v_l0 … v_l,k−1 (h = xₗ(q_f − v_lf xₗ)), keeping r and q current. This order keeps the column in cache
 * across its k + 1 updates, and each pass over the column applies one update to r and q while it
 * gathers Σh² and Σrh for the next: k + 1 passes per column in all (one for k = 0).
 */
export function sweepColumn(c: SweepContext, l: number, linear: boolean): void {
  const k = c.k;
  const { starts, rows, values, sumSquares } = c.cols;
  const r = c.residual;
  const q = c.q;
  const w = c.linear;
  const v = c.factors;
  const s = starts[l] as number;
  const e = starts[l + 1] as number;
  const base = l * k;
  const g = c.groupOf[l] as number;
  let old = k > 0 ? (v[base] as number) : 0;
  // First pass: Σ r x for wₗ, and Σh², Σrh, Σxh for v_l0.
  let bw = 0;
  let a = 0;
  let b = 0;
  let cx = 0;
  if (k > 0) {
    for (let j = s; j < e; j++) {
      const i = rows[j] as number;
      const x = values[j] as number;
      const ri = r[i] as number;
      const h = x * ((q[i * k] as number) - old * x);
      bw += ri * x;
      a += h * h;
      b += ri * h;
      cx += x * h;
    }
  } else if (linear) {
    for (let j = s; j < e; j++) bw += (r[rows[j] as number] as number) * (values[j] as number);
  }
  // wₗ; its change dw reaches r in the next pass (and v_l0's Σrh now).
  let dw = 0;
  if (linear) {
    const oldW = w[l] as number;
    const nextW = update(c, oldW, sumSquares[l] as number, bw, c.lambdaW[g] as number, c.muW[g] as number);
    w[l] = nextW;
    dw = nextW - oldW;
    b -= dw * cx;
  }
  if (k === 0) {
    if (dw !== 0) {
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        r[i] = (r[i] as number) - dw * (values[j] as number);
      }
    }
    return;
  }
  const gk = g * k;
  for (let f = 0; f < k; f++) {
    const next = update(c, old, a, b, c.lambdaV[gk + f] as number, c.muV[gk + f] as number);
    v[base + f] = next;
    const d = next - old;
    if (f + 1 < k) {
      // Apply v_lf's change (and wₗ's, the first time) and gather the sums of v_l,f+1 in the same pass.
      const nextOld = v[base + f + 1] as number;
      let a2 = 0;
      let b2 = 0;
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        const x = values[j] as number;
        const qi = i * k + f;
        const qv = q[qi] as number;
        const ri = (r[i] as number) - x * (dw + d * (qv - old * x));
        r[i] = ri;
        q[qi] = qv + d * x;
        const h = x * ((q[qi + 1] as number) - nextOld * x);
        a2 += h * h;
        b2 += ri * h;
      }
      dw = 0;
      old = nextOld;
      a = a2;
      b = b2;
    } else if (d !== 0 || dw !== 0) {
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        const x = values[j] as number;
        const qi = i * k + f;
        const qv = q[qi] as number;
        r[i] = (r[i] as number) - x * (dw + d * (qv - old * x));
        q[qi] = qv + d * x;
      }
    }
  }
}

/**
 * {@link sweepColumn} for one feature whose column holds only x = 1 (a one-hot id, the bulk of
 * recommender data): the same updates in the same order, with h = q_f − v_lf and no loads of x.
 */
export function sweepUnitFeature(c: SweepContext, l: number, linear: boolean): void {
  const k = c.k;
  const { starts, rows } = c.cols;
  const r = c.residual;
  const q = c.q;
  const v = c.factors;
  const s = starts[l] as number;
  const e = starts[l + 1] as number;
  const base = l * k;
  const g = c.groupOf[l] as number;
  let old = v[base] as number;
  let bw = 0;
  let a = 0;
  let b = 0;
  let cx = 0;
  for (let j = s; j < e; j++) {
    const i = rows[j] as number;
    const ri = r[i] as number;
    const h = (q[i * k] as number) - old;
    bw += ri;
    a += h * h;
    b += ri * h;
    cx += h;
  }
  let dw = 0;
  if (linear) {
    const oldW = c.linear[l] as number;
    const nextW = update(c, oldW, e - s, bw, c.lambdaW[g] as number, c.muW[g] as number);
    c.linear[l] = nextW;
    dw = nextW - oldW;
    b -= dw * cx;
  }
  const gk = g * k;
  for (let f = 0; f < k; f++) {
    const next = update(c, old, a, b, c.lambdaV[gk + f] as number, c.muV[gk + f] as number);
    v[base + f] = next;
    const d = next - old;
    if (f + 1 < k) {
      const nextOld = v[base + f + 1] as number;
      let a2 = 0;
      let b2 = 0;
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        const qi = i * k + f;
        const qv = q[qi] as number;
        const ri = (r[i] as number) - dw - d * (qv - old);
        r[i] = ri;
        q[qi] = qv + d;
        const h = (q[qi + 1] as number) - nextOld;
        a2 += h * h;
        b2 += ri * h;
      }
      dw = 0;
      old = nextOld;
      a = a2;
      b = b2;
    } else if (d !== 0 || dw !== 0) {
      for (let j = s; j < e; j++) {
        const i = rows[j] as number;
        const qi = i * k + f;
        const qv = q[qi] as number;
        r[i] = (r[i] as number) - dw - d * (qv - old);
        q[qi] = qv + d;
      }
    }
  }
}

/** The functions above, in order: what a worker thread evaluates to sweep columns (sweep-lanes-node.ts). */
export const COLUMN_SWEEP_FUNCTIONS: readonly ((...a: never[]) => unknown)[] = [update, sweepRange, sweepColumn, sweepUnitFeature];
