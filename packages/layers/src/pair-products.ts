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

/**
 * The element-wise products of every slot pair of an example: `[B, W, k]` → `[B, P, k]`, P = W(W−1)/2, pairs
 * i < j in {@link pairIndices} order (the pair tensor of AFM, Xiao et al. 2017).
 *
 * On wasm and cpu one TypeScript kernel writes the products (and one more their gradient) straight from the
 * input: no gather (slow on wasm, and its gradient kernel is missing there), no index tensors, no `[W, B·k]`
 * scatter. Elsewhere it composes two gathers along the slot axis.
 */
export function pairProducts(x: tf.Tensor): tf.Tensor3D {
  if (x.rank !== 3) throw new Error(`pairProducts: expected [B, W, k], got [${x.shape.join(', ')}]`);
  const input = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  return pairProductsOp({ x: input }, () => {
    const { rows, cols } = pairIndices(x.shape[1] as number);
    return tf.mul(gatherSlots(input, rows), gatherSlots(input, cols));
  }) as tf.Tensor3D;
}
