// Differentiable ops whose backward passes stay on the fast kernels of tfjs-backend-wasm (and cost the same
// elsewhere). Measured on wasm (tfjs 4.22): a plain 2-D matMul runs through XNNPACK, but a transposed or batched
// one through a naive loop, 10-20× slower; Sum over axis 0 and Tile are slow, Sum over the last axis and
// broadcasting Add are fast; Slice, StridedSlice and Split copy their whole input out through JavaScript on
// every call; gatherND/scatterND are native. tfjs's own gradients of matMul (two transposed products), of a broadcast bias add
// (Sum over axis 0) and of Sum/Mean (a ones tensor filled element by element in JavaScript, then multiplied) hit
// the slow paths; these replacements compute the same values without them.
import * as tf from '@tensorflow/tfjs';
import { denseLayer } from './dense-layer.js';

/** `t` transposed; a reshape when one side is 1 (no data movement). */
function transpose2d(t: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = t.shape;
  return rows === 1 || cols === 1 ? (tf.reshape(t, [cols, rows]) as tf.Tensor2D) : tf.transpose(t);
}

/** Column sums of `[n, q]` as one untransposed matMul: ones `[1, n]` × t → `[1, q]`. */
function columnSums(t: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, t.shape[0]]), t);
}

function firstGradient(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
}

/**
 * The 2-D product a b, `[n, p] × [p, q] → [n, q]`, with a gradient free of transposed matMuls: ∂a = dy bᵀ (b
 * transposed explicitly, then the fast untransposed product), ∂b = aᵀ dy (on wasm and cpu a WebAssembly SIMD
 * kernel, in place on the wasm heap): {@link denseLayer} without bias or activation.
 *
 * @param a `[n, p]` float32. @param b `[p, q]` float32 (typically a weight). @returns `[n, q]`.
 */
export function denseMatMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`denseMatMul: expected 2-D tensors, got [${a.shape.join(', ')}] × [${b.shape.join(', ')}]`);
  }
  return denseLayer(a, b);
}

/**
 * x + bias broadcast over the rows, `[n, q] + [q] → [n, q]`; ∂bias is the column sums of dy as one matMul
 * (tfjs's own is a Sum over axis 0).
 */
export function addBias(x: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2 || bias.rank !== 1 || x.shape[1] !== bias.shape[0]) {
    throw new Error(`addBias: expected [n, q] + [q], got [${x.shape.join(', ')}] + [${bias.shape.join(', ')}]`);
  }
  const op = tf.customGrad(((t: tf.Tensor2D, b: tf.Tensor1D) => ({
    value: tf.add(t, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      const g = firstGradient(dy) as tf.Tensor2D;
      return [g, tf.reshape(columnSums(g), [g.shape[1]])];
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, bias) as tf.Tensor2D;
}

/**
 * Σ of `x` over one axis (negative counts from the end), optionally keeping it as size 1. Its gradient broadcasts
 * dy back with one broadcasting add onto `zerosLike(x)` instead of tfjs's JavaScript-filled ones tensor; a sum
 * over axis 0 of a 2-D tensor runs as a matMul.
 */
export function reduceSum(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= x.rank) throw new Error(`reduceSum: axis ${axis} is out of range for rank ${x.rank}`);
  const keptShape = x.shape.map((d, i) => (i === ax ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => i !== ax);
  const op = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([t]);
    const summed = t.rank === 2 && ax === 0 ? columnSums(t as tf.Tensor2D) : tf.sum(t, ax, true);
    return {
      value: tf.reshape(summed, outShape),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const st = saved[0] as tf.Tensor;
        return [tf.add(tf.reshape(firstGradient(dy), keptShape), tf.zerosLike(st))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor;
}

/** The mean of `x` over one axis; {@link reduceSum} divided by the axis size. */
export function reduceMean(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  return tf.div(reduceSum(x, ax, keepDims), x.shape[ax] as number);
}

/**
 * Columns `[begin, begin + size)` of `x` `[n, q]` → `[n, size]`, as x S with a constant 0/1 selection matrix S
 * `[q, size]` (∂x = dy Sᵀ): plain 2-D matMuls, while `tf.slice` and `tf.stridedSlice` on wasm first copy the
 * whole input out of the heap through JavaScript. Costs n·q·size multiply-adds: meant for narrow slices.
 */
export function sliceColumns(x: tf.Tensor2D, begin: number, size: number): tf.Tensor2D {
  const cols = x.shape[1];
  if (x.rank !== 2 || !Number.isInteger(begin) || !Number.isInteger(size) || begin < 0 || size < 1 || begin + size > cols) {
    throw new Error(`sliceColumns: columns [${begin}, ${begin + size}) are not inside [${x.shape.join(', ')}]`);
  }
  if (size === cols) return x;
  const select = new Float32Array(cols * size);
  for (let c = 0; c < size; c++) select[(begin + c) * size + c] = 1;
  const op = tf.customGrad(((t: tf.Tensor2D) => ({
    value: tf.matMul(t, tf.tensor2d(select, [cols, size])),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.matMul(firstGradient(dy) as tf.Tensor2D, transpose2d(tf.tensor2d(select, [cols, size])))],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor2D;
}

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
  if (a.rank === 2 && b.rank === 2) return denseMatMul(a as tf.Tensor2D, b as tf.Tensor2D);
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
