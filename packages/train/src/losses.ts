import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from '@fm/layers/host-kernel';

/** The training objective. */
export type Task = 'regression' | 'binary' | 'ranking';

/**
 * Mean squared error, `mean((pred − y)²)`.
 * @param pred `[B]` predicted scores.
 * @param labels `[B]` targets.
 * @returns a scalar.
 */
export function mseLoss(pred: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = flat(pred);
    const y = flat(labels);
    if (p.size !== y.size) throw new Error(`mseLoss: ${p.size} predictions but ${y.size} labels`);
    return mseOp({ pred: p, labels: y }, () => tf.mean(tf.squaredDifference(p, y))) as tf.Scalar;
  });
}

/**
 * Numerically stable softplus `log(1 + exp(x)) = max(x, 0) + log1p(exp(−|x|))`: never overflows.
 * @param x any shape; the result has the same shape.
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/**
 * Binary log loss (cross-entropy) from raw logits, computed stably as
 * `mean(max(x, 0) − x·y + log(1 + exp(−|x|)))`, which equals `−mean(y log σ(x) + (1−y) log(1−σ(x)))`
 * without ever forming σ(x), so large |x| neither overflows nor gives log(0).
 * @param logits `[B]` raw scores x.
 * @param labels `[B]` targets y in [0, 1].
 * @returns a scalar.
 */
export function logLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const x = flat(logits);
    const y = flat(labels);
    if (x.size !== y.size) throw new Error(`logLoss: ${x.size} logits but ${y.size} labels`);
    const composite = () => tf.mean(tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
    return logLossOp({ logits: x, labels: y }, composite) as tf.Scalar;
  });
}

/** `t` as a vector: itself when it is one (a reshape is a kernel, forward and backward, even when it changes nothing). */
const flat = (t: tf.Tensor): tf.Tensor => (t.rank === 1 ? t : t.reshape([-1]));

/** log(1 + eˣ) without overflow. */
function softplusOf(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(x), without overflow for either sign. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// The losses as one kernel and one gradient kernel per input on wasm and cpu (float64 sums), where the composed
// ops are 10-35 kernels forward and backward: at a 256-row batch of a deep model each kernel costs more than its
// arithmetic (a fused log loss is ~30 % fewer kernels in an NFM step). Other backends run the composed ops.

/**
 * The op `Σᵢ f(aᵢ, bᵢ)/B` of two `[B]` inputs named `names`, with `∂/∂aᵢ = dy·da(aᵢ, bᵢ)/B` and, when `db` is
 * given, `∂/∂bᵢ = dy·db(aᵢ, bᵢ)/B`.
 */
function meanOfPairs(
  name: string,
  names: readonly [string, string],
  f: (a: number, b: number) => number,
  da: (a: number, b: number) => number,
  db?: (a: number, b: number) => number,
) {
  const grad = (d: (a: number, b: number) => number) => ({
    inputs: ['dy', ...names],
    outputShape: (shapes: readonly number[][]) => shapes[1] as number[],
    run(values: readonly Float32Array[], _shapes: readonly number[][], out: Float32Array) {
      const [dy, a, b] = values as [Float32Array, Float32Array, Float32Array];
      const c = (dy[0] as number) / a.length;
      for (let i = 0; i < a.length; i++) out[i] = c * d(a[i] as number, b[i] as number);
    },
  });
  return defineHostOp({
    name,
    inputs: names,
    outputShape: () => [],
    run(values, _shapes, out) {
      const [a, b] = values as [Float32Array, Float32Array];
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += f(a[i] as number, b[i] as number);
      out[0] = sum / a.length;
    },
    grads: { [names[0]]: grad(da), ...(db ? { [names[1]]: grad(db) } : {}) },
  });
}

/** {@link mseLoss}: `Σ(p − y)²/B`; ∂/∂p_i = dy · 2(p_i − y_i)/B. */
const mseOp = meanOfPairs('FmMeanSquaredError', ['pred', 'labels'], (p, y) => (p - y) ** 2, (p, y) => 2 * (p - y));

/** {@link bprLoss}: `Σ softplus(n − p)/B`; ∂/∂n_i = dy · σ(n_i − p_i)/B = −∂/∂p_i. */
const bprOp = meanOfPairs('FmBprLoss', ['pos', 'neg'], (p, n) => softplusOf(n - p), (p, n) => -sigmoid(n - p), (p, n) => sigmoid(n - p));

/** {@link logLoss}: `Σ (softplus(x) − x·y)/B`; ∂/∂x_i = dy · (σ(x_i) − y_i)/B. */
const logLossOp = meanOfPairs('FmLogLoss', ['logits', 'labels'], (x, y) => softplusOf(x) - x * y, (x, y) => sigmoid(x) - y);

/**
 * Bayesian Personalised Ranking loss (Rendle et al., "BPR: Bayesian Personalized Ranking from
 * Implicit Feedback", UAI 2009): `mean(−log σ(s⁺ − s⁻)) = mean(softplus(s⁻ − s⁺))`, computed stably.
 * @param pos `[B]` scores of the observed (positive) rows.
 * @param neg `[B]` scores of their sampled negatives, row-aligned with `pos`.
 * @returns a scalar.
 */
export function bprLoss(pos: tf.Tensor, neg: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = flat(pos);
    const n = flat(neg);
    if (p.size !== n.size) throw new Error(`bprLoss: ${p.size} positive but ${n.size} negative scores`);
    return bprOp({ pos: p, neg: n }, () => tf.mean(softplus(tf.sub(n, p)))) as tf.Scalar;
  });
}
