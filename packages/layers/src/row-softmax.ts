import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { runSimdSoftmax, runSimdSoftmaxGrad } from './simd-softmax.js';

const lastDim = (s: readonly number[] | undefined) => (s as number[])[(s as number[]).length - 1] as number;

/** out = softmax of each row of n floats of x, by loops (cpu, short rows, hosts without SIMD). */
function softmaxLoop(x: Float32Array, out: Float32Array, n: number): void {
  for (let r = 0; r < x.length; r += n) {
    let max = -Infinity;
    for (let j = r; j < r + n; j++) max = Math.max(max, x[j] as number);
    let sum = 0;
    for (let j = r; j < r + n; j++) {
      const e = Math.exp((x[j] as number) - max);
      out[j] = e;
      sum += e;
    }
    for (let j = r; j < r + n; j++) out[j] = (out[j] as number) / sum;
  }
}

/** out = y ⊙ (dy − Σ_row y ⊙ dy), by loops. */
function softmaxGradLoop(dy: Float32Array, y: Float32Array, out: Float32Array, n: number): void {
  for (let r = 0; r < y.length; r += n) {
    let dot = 0;
    for (let j = r; j < r + n; j++) dot += (y[j] as number) * (dy[j] as number);
    for (let j = r; j < r + n; j++) out[j] = (y[j] as number) * ((dy[j] as number) - dot);
  }
}

const rowSoftmaxOp = defineHostOp({
  name: 'FmRowSoftmax',
  inputs: ['x'],
  outputShape: ([s]) => [...(s as number[])],
  run([x], [s], out) {
    const n = lastDim(s);
    if (!runSimdSoftmax(x as Float32Array, out, n)) softmaxLoop(x as Float32Array, out, n);
  },
  grads: {
    // ∂x = y ⊙ (dy − Σ_row y ⊙ dy) (the softmax Jacobian applied to dy)
    x: {
      inputs: ['dy', 'y'],
      outputShape: ([s]) => [...(s as number[])],
      run([dy, y], [s], out) {
        const n = lastDim(s);
        if (!runSimdSoftmaxGrad(dy as Float32Array, y as Float32Array, out, n)) softmaxGradLoop(dy as Float32Array, y as Float32Array, out, n);
      },
    },
  },
});

/**
 * `tf.softmax(x, -1)` (Bridle 1990) whose forward and gradient are one kernel each on wasm and cpu: on wasm
 * WebAssembly SIMD along each row with a vectorised exp (simd-softmax.ts; tfjs-wasm's own Softmax calls a scalar
 * exp per element, and its gradient is four more kernels); TypeScript loops on cpu; `tf.softmax` elsewhere. Values
 * agree with `tf.softmax` to float32 rounding (the exp is Cephes' polynomial, about 1 ulp).
 *
 * @param x `[…, n]` float32 logits. @returns `[…, n]`, each row summing to 1.
 */
export function rowSoftmax(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || x.rank < 1) throw new Error(`rowSoftmax: expected float32 logits [..., n], got [${x.shape.join(', ')}] (${x.dtype})`);
  return rowSoftmaxOp({ x }, () => tf.softmax(x, -1));
}
