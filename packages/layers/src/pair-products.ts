import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { gatherSlots, pairIndices } from './pair-indices.js';
import { runSimdPairs } from './simd-pairs.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

const pairProductsOp = defineHostOp({
  name: 'FmPairProducts',
  inputs: ['x'],
  outputShape: ([s]) => {
    const [batch, width, k] = shape3(s);
    return [batch, (width * (width - 1)) / 2, k];
  },
  // pairs[b, p, :] = x[b, i, :] ⊙ x[b, j, :] for the p-th pair i < j (row-major)
  run([x], [s], out) {
    const xs = x as Float32Array;
    const [batch, width, k] = shape3(s);
    if (runSimdPairs('products', [xs, out], batch, width, k)) return;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < width; i++) {
        const xi = (b * width + i) * k;
        for (let j = i + 1; j < width; j++) {
          const xj = (b * width + j) * k;
          for (let c = 0; c < k; c++) out[o++] = (xs[xi + c] as number) * (xs[xj + c] as number);
        }
      }
    }
  },
  grads: {
    // dx[b, i, :] = Σ_{j≠i} dy[b, pair(i, j), :] ⊙ x[b, j, :]
    x: {
      inputs: ['dy', 'x'],
      outputShape: ([, s]) => [...(s as number[])],
      run([dy, x], [, s], out) {
        const d = dy as Float32Array;
        const xs = x as Float32Array;
        const [batch, width, k] = shape3(s);
        out.fill(0);
        if (runSimdPairs('productsGrad', [d, xs, out], batch, width, k)) return;
        let o = 0;
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < width; i++) {
            const xi = (b * width + i) * k;
            for (let j = i + 1; j < width; j++) {
              const xj = (b * width + j) * k;
              for (let c = 0; c < k; c++) {
                const g = d[o++] as number;
                out[xi + c] = (out[xi + c] as number) + g * (xs[xj + c] as number);
                out[xj + c] = (out[xj + c] as number) + g * (xs[xi + c] as number);
              }
            }
          }
        }
      },
    },
  },
});

/** The offset of part t's pairs in an example's row of `[B, parts·P, k]`, and the gap after them. */
function partLayout(s: number[], t: number, parts: number): { batch: number; width: number; k: number; start: number; skip: number } {
  const [batch, width, k] = shape3(s);
  const stride = ((width * (width - 1)) / 2) * k;
  return { batch, width, k, start: t * stride, skip: (parts - 1) * stride };
}

/** Calls `visit(o, xi, xj)` for each pair i < j of each example: o its offset in the pair tensor, xi/xj the slots'. */
function forEachPartPair({ batch, width, k, start, skip }: ReturnType<typeof partLayout>, visit: (o: number, xi: number, xj: number) => void): void {
  let o = start;
  for (let b = 0; b < batch; b++, o += skip) {
    for (let i = 0; i < width; i++) {
      for (let j = i + 1; j < width; j++, o += k) visit(o, (b * width + i) * k, (b * width + j) * k);
    }
  }
}

/** x_i ⊙ y_j for every pair i < j of part t into `out` `[B, parts·P, k]` (each example's parts one after another). */
function partProducts(xs: Float32Array, ys: Float32Array, out: Float32Array, s: number[], t: number, parts: number): void {
  const layout = partLayout(s, t, parts);
  const { batch, width, k, start, skip } = layout;
  if (runSimdPairs('products2', [xs, ys, out.subarray(start)], batch, width, k, skip * 4)) return;
  forEachPartPair(layout, (o, xi, yj) => {
    for (let c = 0; c < k; c++) out[o + c] = (xs[xi + c] as number) * (ys[yj + c] as number);
  });
}

/**
 * The gradient of {@link partProducts} for part t with respect to x (side 'left': dx_i = Σ_{j>i} dy_p ⊙ y_j, given
 * y as `other`) or y ('right': dy_j = Σ_{i<j} dy_p ⊙ x_i, given x), written into `out` `[B, W, k]`.
 */
function partProductsGrad(side: 'left' | 'right', d: Float32Array, other: Float32Array, out: Float32Array, s: number[], t: number, parts: number): void {
  const layout = partLayout(s, t, parts);
  const { batch, width, k, start, skip } = layout;
  out.fill(0);
  if (runSimdPairs(side === 'left' ? 'products2GradX' : 'products2GradY', [d.subarray(start), other, out], batch, width, k, skip * 4)) return;
  forEachPartPair(layout, (o, xi, yj) => {
    const [at, from] = side === 'left' ? [xi, yj] : [yj, xi];
    for (let c = 0; c < k; c++) out[at + c] = (out[at + c] as number) + (d[o + c] as number) * (other[from + c] as number);
  });
}

const pairsOfParts = (parts: number) => (shapes: readonly number[][]) => {
  const [batch, width, k] = shape3(shapes[0]);
  return [batch, (parts * width * (width - 1)) / 2, k];
};
const gradOf = (side: 'left' | 'right', other: string, t: number, parts: number) => ({
  inputs: ['dy', other],
  outputShape: (shapes: readonly number[][]) => [...(shapes[1] as number[])],
  run: ([dy, o]: readonly Float32Array[], shapes: readonly number[][], out: Float32Array) =>
    partProductsGrad(side, dy as Float32Array, o as Float32Array, out, shapes[1] as number[], t, parts),
});

// input names: 'y' names the op's output in gradient kernels
const pairProducts2Op = defineHostOp({
  name: 'FmPairProducts2',
  inputs: ['left', 'right'],
  outputShape: pairsOfParts(1),
  run: ([x, y], [s], out) => partProducts(x as Float32Array, y as Float32Array, out, s as number[], 0, 1),
  grads: { left: gradOf('left', 'right', 0, 1), right: gradOf('right', 'left', 0, 1) },
});

const pairProducts2x2Op = defineHostOp({
  name: 'FmPairProducts2x2',
  inputs: ['left', 'right', 'left2', 'right2'],
  outputShape: pairsOfParts(2),
  run([x, y, x2, y2], [s], out) {
    partProducts(x as Float32Array, y as Float32Array, out, s as number[], 0, 2);
    partProducts(x2 as Float32Array, y2 as Float32Array, out, s as number[], 1, 2);
  },
  grads: {
    left: gradOf('left', 'right', 0, 2),
    right: gradOf('right', 'left', 0, 2),
    left2: gradOf('left', 'right2', 1, 2),
    right2: gradOf('right', 'left2', 1, 2),
  },
});

/**
 * The element-wise products of every slot pair of an example: `[B, W, k]` → `[B, P, k]`, P = W(W−1)/2, pairs
 * i < j in {@link pairIndices} order: x_i ⊙ x_j (the pair tensor of AFM, Xiao et al. 2017), or, given `y`,
 * x_i ⊙ y_j (FiBiNET's bilinear 'field-all' pairs with x = v W, Huang et al. 2019).
 *
 * On wasm and cpu one kernel writes the products (and one more each gradient) straight from the inputs
 * (WebAssembly SIMD on wasm for k a multiple of 4, see simd-pairs.ts; TypeScript loops otherwise): no gather
 * (slow on wasm, and its gradient kernel is missing there), no index tensors, no `[W, B·k]` scatter. Elsewhere it
 * composes two gathers along the slot axis.
 *
 * @param x `[B, W, k]`. @param y `[B, W, k]` (the j side), or undefined for x itself. @returns `[B, P, k]`.
 */
export function pairProducts(x: tf.Tensor, y?: tf.Tensor): tf.Tensor3D {
  if (x.rank !== 3) throw new Error(`pairProducts: expected [B, W, k], got [${x.shape.join(', ')}]`);
  const input = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  if (y !== undefined) return pairProductsOfParts([[input, y]]);
  return pairProductsOp({ x: input }, () => {
    const { rows, cols } = pairIndices(x.shape[1] as number);
    return tf.mul(gatherSlots(input, rows), gatherSlots(input, cols));
  }) as tf.Tensor3D;
}

/**
 * {@link pairProducts} x_i ⊙ y_j of several (x, y) parts, each example's parts one after another:
 * `[[x₀, y₀], …]` (all `[B, W, k]`) → `[B, n·P, k]`, the pairs of part t at `[t·P, (t+1)·P)` (FiBiNET's bilinear
 * pairs of the embeddings and of their SENET reweighting, Huang et al. 2019). One or two parts run as one kernel
 * on wasm and cpu (no concat, whose gradient split tfjs-wasm runs through JavaScript); more are concatenated.
 *
 * @param parts `[x, y]` pairs of `[B, W, k]` tensors, all of one shape. @returns `[B, n·P, k]`.
 */
export function pairProductsOfParts(parts: readonly (readonly [tf.Tensor, tf.Tensor])[]): tf.Tensor3D {
  const first = parts[0]?.[0];
  if (first === undefined) throw new Error('pairProductsOfParts: expected at least one [x, y] part');
  const asFloat = (t: tf.Tensor) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'));
  for (const [x, y] of parts) {
    if (x.rank !== 3 || y.rank !== 3 || [...x.shape, ...y.shape].some((d, i) => d !== first.shape[i % 3])) {
      throw new Error(`pairProducts: every x and y must have the shape [B, W, k] of the first x [${first.shape.join(', ')}], got [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
    }
  }
  const composite = (x: tf.Tensor, y: tf.Tensor) => {
    const { rows, cols } = pairIndices(first.shape[1] as number);
    return tf.mul(gatherSlots(x, rows), gatherSlots(y, cols));
  };
  const [p0, p1] = parts as [readonly [tf.Tensor, tf.Tensor], readonly [tf.Tensor, tf.Tensor] | undefined];
  const [x0, y0] = [asFloat(p0[0]), asFloat(p0[1])];
  if (parts.length === 1) return pairProducts2Op({ left: x0, right: y0 }, () => composite(x0, y0)) as tf.Tensor3D;
  if (parts.length === 2 && p1 !== undefined) {
    const [x1, y1] = [asFloat(p1[0]), asFloat(p1[1])];
    return pairProducts2x2Op({ left: x0, right: y0, left2: x1, right2: y1 }, () => tf.concat([composite(x0, y0), composite(x1, y1)], 1)) as tf.Tensor3D;
  }
  return tf.concat(parts.map(([x, y]) => pairProductsOfParts([[x, y]])), 1) as tf.Tensor3D;
}
