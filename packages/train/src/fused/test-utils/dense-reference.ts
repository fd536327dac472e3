// Dense references for gradients and optimizer steps: every parameter visited, O(n²) pair loops.
import type { SparseDataset } from '@fm/data';
import type { FusedParams } from '../types.js';
import { bruteScore } from './brute-force.js';

/** Dense parameter vectors in Float64: [bias, linear..., factors...] as separate arrays. */
export interface Dense {
  bias: Float64Array;
  linear: Float64Array;
  factors: Float64Array;
}

export function denseOf(p: FusedParams): Dense {
  return { bias: Float64Array.from(p.bias), linear: Float64Array.from(p.linear), factors: Float64Array.from(p.factors) };
}

/**
 * Batch-mean gradient of the training objective (½(p−y)² or log loss) by the analytic pair formulas:
 * FM ∂ŷ/∂v_{a,f} = x_a Σ_{b≠a} v_{b,f} x_b; FFM ∂ŷ/∂v_{a,f(b)} = Σ_b v_{b,f(a)} x_a x_b.
 */
export function denseGradient(p: FusedParams, d: SparseDataset, task: 'regression' | 'binary', rows: number[]): Dense {
  const g: Dense = { bias: new Float64Array(1), linear: new Float64Array(p.linear.length), factors: new Float64Array(p.factors.length) };
  const k = p.k;
  const F = p.numFields;
  for (const r of rows) {
    const ids = d.rowIds(r);
    const xs = d.rowValues(r);
    const y = d.labels[r] as number;
    const s = bruteScore(p, ids, xs);
    const dl = task === 'regression' ? s - y : 1 / (1 + Math.exp(-s)) - y;
    const w = dl / rows.length;
    g.bias[0] = (g.bias[0] as number) + w;
    for (let a = 0; a < ids.length; a++) {
      const ia = ids[a] as number;
      const xa = xs[a] as number;
      g.linear[ia] = (g.linear[ia] as number) + w * xa;
      if (p.kind === 'lr') continue;
      for (let b = 0; b < ids.length; b++) {
        if (b === a) continue;
        const ib = ids[b] as number;
        const xb = xs[b] as number;
        for (let f = 0; f < k; f++) {
          if (p.kind === 'ffm') {
            const fa = p.fieldOfFeature[ia] as number;
            const fb = p.fieldOfFeature[ib] as number;
            const at = (ia * F + fb) * k + f;
            g.factors[at] = (g.factors[at] as number) + w * xa * xb * (p.factors[(ib * F + fa) * k + f] as number);
          } else {
            const at = ia * k + f;
            g.factors[at] = (g.factors[at] as number) + w * xa * xb * (p.factors[ib * k + f] as number);
          }
        }
      }
    }
  }
  return g;
}

/** Optimizer state of the dense reference, per coordinate. */
export interface DenseOptState {
  a: Dense;
  b: Dense;
  t: number;
}

/**
 * One dense optimizer step applied to the coordinates whose row is in `touched` (and the bias),
 * straight from the papers' formulas, in Float64.
 */
export function denseStep(
  opt: 'sgd' | 'adagrad' | 'adam' | 'ftrl',
  w: Dense,
  st: DenseOptState,
  g: Dense,
  touched: Set<number>,
  rowLen: number,
  hp: { lr: number; l2: { bias: number; linear: number; factors: number }; eps: number; beta1: number; beta2: number; ftrlBeta: number; l1: number },
): void {
  st.t += 1;
  const upd = (key: keyof Dense, i: number, l2: number, l1: number) => {
    const W = w[key];
    const A = st.a[key];
    const B = st.b[key];
    const x = W[i] as number;
    if (opt === 'ftrl') {
      const gi = g[key][i] as number;
      const n0 = B[i] as number;
      const n1 = n0 + gi * gi;
      const sigma = (Math.sqrt(n1) - Math.sqrt(n0)) / hp.lr;
      const z = (A[i] as number) + gi - sigma * x;
      A[i] = z;
      B[i] = n1;
      W[i] = Math.abs(z) <= l1 ? 0 : -(z - Math.sign(z) * l1) / ((hp.ftrlBeta + Math.sqrt(n1)) / hp.lr + l2);
      return;
    }
    const gi = (g[key][i] as number) + l2 * x;
    if (opt === 'sgd') W[i] = x - hp.lr * gi;
    else if (opt === 'adagrad') {
      A[i] = (A[i] as number) + gi * gi;
      W[i] = x - (hp.lr * gi) / (Math.sqrt(A[i] as number) + hp.eps);
    } else {
      A[i] = hp.beta1 * (A[i] as number) + (1 - hp.beta1) * gi;
      B[i] = hp.beta2 * (B[i] as number) + (1 - hp.beta2) * gi * gi;
      const mh = (A[i] as number) / (1 - hp.beta1 ** st.t);
      const vh = (B[i] as number) / (1 - hp.beta2 ** st.t);
      // Kingma & Ba's "efficient" form: ε scaled like the implementation's (ε on √v, not √v̂).
      W[i] = x - (hp.lr * mh) / (Math.sqrt(vh) + hp.eps / Math.sqrt(1 - hp.beta2 ** st.t));
    }
  };
  upd('bias', 0, hp.l2.bias, 0);
  for (const i of touched) {
    upd('linear', i, hp.l2.linear, hp.l1);
    for (let f = 0; f < rowLen; f++) upd('factors', i * rowLen + f, hp.l2.factors, 0);
  }
}
