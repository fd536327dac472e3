import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { reluGradient } from './simd-relu-grad.js';

const reluGradOp = defineHostOp({
  name: 'FmReluGrad',
  inputs: ['dy', 'y'],
  outputShape: ([s]) => [...(s as number[])],
  // dy where the ReLU's output is positive, one pass (tfjs: dy · step(x), a Cast, a Step and a Multiply)
  run([dy, y], _shapes, out) {
    reluGradient(dy as Float32Array, y as Float32Array, out);
  },
  grads: {},
});

/**
 * The gradient of a ReLU from its output: `dy` where `y` > 0, else 0 (Nair & Hinton 2010). One host kernel on wasm
 * (WebAssembly SIMD in place on the heap) and cpu; `dy · step(y)` elsewhere.
 *
 * @param dy `[…]` the output's gradient. @param y `[…]` the ReLU's output (same shape). @returns `[…]`.
 * @internal
 */
export function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return reluGradOp({ dy, y }, () => tf.mul(dy, tf.step(y)));
}

/**
 * `tf.relu(x)` whose gradient is {@link reluGrad} of its output (one pass) instead of tfjs's Cast, Step and
 * Multiply over x: the same values and gradients.
 *
 * @param x `[…]` float32. @returns `[…]`, max(x, 0).
 */
export function relu<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    const value = tf.relu(t);
    save([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [reluGrad((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor, saved[0] as tf.Tensor)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}
