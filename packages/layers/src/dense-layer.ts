import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { columnSums, gemmScratchFloats, gemmTransposedA } from './simd-gemm.js';
import { reluGrad } from './relu.js';

const columnSumOp = defineHostOp({
  name: 'FmColumnSum',
  inputs: ['x'],
  outputShape: ([s]) => [(s as number[])[1] as number],
  // out[n] = Σ_m x[m, n] = 1ᵀ x, in one SIMD pass in place (the wasm backend transposes first to reduce over a leading axis)
  run([x], [s], out, _attrs, scratch) {
    const [m, n] = s as [number, number];
    columnSums(x as Float32Array, m, n, out, scratch);
  },
  // room for the helper threads' partial sums (the rows split)
  scratch: ([s]) => gemmScratchFloats(1, (s as number[])[1] as number),
  grads: {},
});

const columnSum = (x: tf.Tensor2D) => columnSumOp({ x }, () => tf.sum(x, 0)) as tf.Tensor1D;

const transposedProductOp = defineHostOp({
  name: 'FmMatMulTransposedA',
  inputs: ['a', 'b'],
  outputShape: ([sa, sb]) => [(sa as number[])[1] as number, (sb as number[])[1] as number],
  // out = aᵀ @ b, a [M, K], b [M, N]: WebAssembly SIMD (the wasm backend's transposed matMul is a naive loop)
  run([a, b], [sa, sb], out, _attrs, scratch) {
    const [m, k] = sa as [number, number];
    gemmTransposedA(a as Float32Array, b as Float32Array, m, k, (sb as number[])[1] as number, out, true, scratch);
  },
  // room for the helper threads' partial sums of a narrow product (its batch split)
  scratch: ([sa, sb]) => gemmScratchFloats((sa as number[])[1] as number, (sb as number[])[1] as number),
  grads: {},
});

/** `aᵀ @ b` for `a` `[M, K]`, `b` `[M, N]`. */
const transposedProduct = (a: tf.Tensor2D, b: tf.Tensor2D) => transposedProductOp({ a, b }, () => tf.matMul(a, b, true, false)) as tf.Tensor2D;

/** Activations {@link denseLayer} fuses. */
export type DenseActivation = 'linear' | 'relu';

/**
 * A dense layer's maths, `act(x @ w + bias)`, for a batch of rows `x` `[M, K]` and a small `w` `[K, N]`, with a
 * gradient written for the wasm backend's fast paths.
 *
 * tfjs-backend-wasm multiplies with XNNPACK (bias and ReLU fused) only when neither operand is transposed; a
 * transposed operand falls back to a naive loop 5-10× slower, and tfjs's own `matMul` gradient computes
 * `dx = dy @ wᵀ` and `dw = xᵀ @ dy` that way. Here `dx = dy @ transpose(w)` transposes the small `w` first (a
 * cheap copy) and takes the fast path; `dw = xᵀ @ dy`, a reduction over the M rows that no untransposed XNNPACK
 * product fits, is a WebAssembly SIMD kernel on wasm and cpu (see `simd-gemm.ts`); the bias gradient is one
 * column sum. Same values and gradients as `act(tf.matMul(x, w) + bias)` on every backend.
 *
 * @param x `[M, K]`. @param w `[K, N]`. @param bias `[N]` or undefined. @param activation default 'linear'.
 * @returns `[M, N]`.
 * @internal
 */
export function denseLayer(x: tf.Tensor2D, w: tf.Tensor2D, bias?: tf.Tensor1D, activation: DenseActivation = 'linear'): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`denseLayer: expected x [M, K] and w [K, N], got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== w.shape[1])) {
    throw new Error(`denseLayer: bias must be [${w.shape[1]}], got [${bias.shape.join(', ')}]`);
  }
  // the fused kernel directly (it takes [1, M, K] and [1, K, N]): tf.fused.matMul unfuses under a gradient tape
  // (matMul, then a broadcasting add and a relu: two more passes over [M, N] on wasm)
  const forward = (a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor1D | undefined): tf.Tensor2D => {
    if (activation === 'linear' && c === undefined) return tf.matMul(a, b);
    const a3 = tf.reshape(a, [1, ...a.shape]);
    const b3 = tf.reshape(b, [1, ...b.shape]);
    const attrs = { transposeA: false, transposeB: false, activation } as unknown as tf.NamedAttrMap;
    const out = tf.engine().runKernel(tf._FusedMatMul, c === undefined ? { a: a3, b: b3 } : { a: a3, b: b3, bias: c }, attrs) as tf.Tensor;
    return tf.reshape(out, [a.shape[0], b.shape[1]]);
  };
  const backward = (dy: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, out: tf.Tensor2D | undefined): tf.Tensor[] => {
    const dPre = activation === 'relu' && out !== undefined ? reluGrad(dy, out) : dy;
    const grads: tf.Tensor[] = [tf.matMul(dPre, tf.transpose(b)), transposedProduct(a, dPre as tf.Tensor2D)];
    return bias === undefined ? grads : [...grads, columnSum(dPre as tf.Tensor2D)];
  };
  const inputs = bias === undefined ? [x, w] : [x, w, bias];
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [a, b, c] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const value = forward(a, b, bias === undefined ? undefined : c);
    // tfjs copies every saved tensor: the output only where the ReLU's gradient needs it
    save(activation === 'relu' ? [a, b, value] : [a, b]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sa, sb, out] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D | undefined];
        return backward((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D, sa, sb, out);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs) as tf.Tensor2D;
}
