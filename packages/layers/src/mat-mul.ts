import * as tf from '@tensorflow/tfjs';

/**
 * `a × b` (rank 2 or batched rank 3, no transposed operands) with a gradient that never asks the backend for a
 * transposed-operand matmul. tfjs' own matmul gradient computes dy·bᵀ and aᵀ·dy with `transposeA/B` flags,
 * which the wasm backend runs about 10× slower than a plain matmul (tfjs 4.22, `[2048, 624] × [624, 624]`: 49 ms
 * plain, 620 ms with `transposeB`); here, on wasm, the gradient transposes the operand first
 * (da = dy·bᵀ, db = aᵀ·dy as plain matmuls). Other backends use `tf.matMul` as it is.
 *
 * @param a `[m, n]` or `[B, m, n]`. @param b `[n, p]` or `[B, n, p]` (same rank as a).
 * @returns `[m, p]` or `[B, m, p]`.
 */
export function plainMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  const product = tf.customGrad(((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const grad = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D;
        const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(grad, transposeLast(ys)), tf.matMul(transposeLast(xs), grad)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return product(a, b);
}

/**
 * Swaps the last two axes.
 * @internal
 */
export function transposeLast(x: tf.Tensor): tf.Tensor2D {
  const perm = x.shape.map((_, d) => d);
  perm[perm.length - 1] = perm.length - 2;
  perm[perm.length - 2] = perm.length - 1;
  return tf.transpose(x, perm) as tf.Tensor2D;
}
