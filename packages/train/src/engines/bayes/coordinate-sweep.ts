import { sweepBlock } from './relational-block.js';
import { update, type SweepContext } from './sweep-context.js';

export type { SweepContext } from './sweep-context.js';

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

/**
 * Updates, feature by feature, the linear weight wₗ (h = xₗ; skipped when `linear` is false) and then
 * the factors v_l0 … v_l,k−1 (h = xₗ(q_f − v_lf xₗ)), keeping r and q current. Any fixed order of
 * coordinates is a valid Gibbs scan and a valid coordinate descent; this one keeps a feature's
 * column in cache across its k + 1 updates, and each pass over the column applies one update to r
 * and q while it gathers Σh² and Σrh for the next: k + 1 passes per column in all (one for k = 0).
 * The features of a relational block (`c.blocks`) take the same updates in the same order from per-key sums.
 */
export function sweepFeatures(c: SweepContext, linear: boolean): void {
  const k = c.k;
  const { starts, rows, values, sumSquares } = c.cols;
  const r = c.residual;
  const q = c.q;
  const w = c.linear;
  const v = c.factors;
  const n = w.length;
  const unit = c.cols.unit;
  let nextBlock = 0;
  for (let l = 0; l < n; l++) {
    const block = c.blocks[nextBlock];
    if (block !== undefined && l === block.block.lo) {
      // the block's features, in the same order, per key (relational-block.ts)
      sweepBlock(c, block, linear);
      l = block.block.hi - 1;
      nextBlock++;
      continue;
    }
    if (unit[l] === 1 && k > 0) {
      sweepUnitFeature(c, l, linear);
      continue;
    }
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
      continue;
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
}

/**
 * {@link sweepFeatures} for one feature whose column holds only x = 1 (a one-hot id, the bulk of
 * recommender data): the same updates in the same order, with h = q_f − v_lf and no loads of x.
 */
function sweepUnitFeature(c: SweepContext, l: number, linear: boolean): void {
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
