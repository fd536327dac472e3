import * as tf from '@tensorflow/tfjs';

/** The training objective. */
export type Task = 'regression' | 'binary' | 'ranking';

/**
 * Mean squared error, `mean((pred − y)²)`.
 * @param pred `[B]` predicted scores.
 * @param labels `[B]` targets.
 * @returns a scalar.
 */
export function mseLoss(pred: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred.reshape([-1]), labels.reshape([-1]))) as tf.Scalar);
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
    const x = logits.reshape([-1]);
    const y = labels.reshape([-1]);
    return tf.mean(tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))) as tf.Scalar;
  });
}

/**
 * Bayesian Personalised Ranking loss (Rendle et al., "BPR: Bayesian Personalized Ranking from
 * Implicit Feedback", UAI 2009): `mean(−log σ(s⁺ − s⁻)) = mean(softplus(s⁻ − s⁺))`, computed stably.
 * @param pos `[B]` scores of the observed (positive) rows.
 * @param neg `[B]` scores of their sampled negatives, row-aligned with `pos`.
 * @returns a scalar.
 */
export function bprLoss(pos: tf.Tensor, neg: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(softplus(tf.sub(neg.reshape([-1]), pos.reshape([-1])))) as tf.Scalar);
}
