import * as tf from '@tensorflow/tfjs';
import { attentionPool } from './attention-pool.js';
import { defineHostOp } from './host-kernel.js';
import { pairProducts } from './pair-products.js';
import { runSimdPairs } from './simd-pairs.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

const pairAttentionPoolOp = defineHostOp({
  name: 'FmPairAttentionPool',
  inputs: ['x', 'a'],
  outputShape: ([s]) => [shape3(s)[0], shape3(s)[2]],
  // out[b, :] = Σ_{i<j} a[b, pair(i, j)]·x[b, i, :] ⊙ x[b, j, :] = Σ_i x[b, i, :] ⊙ (Σ_{j>i} a_ij x[b, j, :])
  run([x, a], [s], out) {
    const xs = x as Float32Array;
    const w = a as Float32Array;
    const [batch, width, k] = shape3(s);
    const numPairs = (width * (width - 1)) / 2;
    out.fill(0);
    if (runSimdPairs('pool', [xs, w, out], batch, width, k)) return;
    const acc = new Float32Array(k);
    for (let b = 0; b < batch; b++) {
      const base = b * width * k;
      const o = b * k;
      for (let i = 0, p = b * numPairs; i < width; i++) {
        acc.fill(0);
        for (let j = i + 1; j < width; j++, p++) {
          const ap = w[p] as number;
          if (ap === 0) continue;
          const xj = base + j * k;
          for (let c = 0; c < k; c++) acc[c] = (acc[c] as number) + ap * (xs[xj + c] as number);
        }
        const xi = base + i * k;
        for (let c = 0; c < k; c++) out[o + c] = (out[o + c] as number) + (xs[xi + c] as number) * (acc[c] as number);
      }
    }
  },
  grads: {
    // dx[b, i, :] = dy[b, :] ⊙ Σ_{j≠i} a_ij x[b, j, :]
    x: {
      inputs: ['dy', 'x', 'a'],
      outputShape: ([, s]) => [...(s as number[])],
      run([dy, x, a], [, s], out) {
        const d = dy as Float32Array;
        const xs = x as Float32Array;
        const w = a as Float32Array;
        const [batch, width, k] = shape3(s);
        const numPairs = (width * (width - 1)) / 2;
        out.fill(0);
        if (runSimdPairs('poolGradX', [d, xs, w, out], batch, width, k)) return;
        for (let b = 0; b < batch; b++) {
          const base = b * width * k;
          for (let i = 0, p = b * numPairs; i < width; i++) {
            const xi = base + i * k;
            for (let j = i + 1; j < width; j++, p++) {
              const ap = w[p] as number;
              if (ap === 0) continue;
              const xj = base + j * k;
              for (let c = 0; c < k; c++) {
                out[xi + c] = (out[xi + c] as number) + ap * (xs[xj + c] as number);
                out[xj + c] = (out[xj + c] as number) + ap * (xs[xi + c] as number);
              }
            }
          }
          for (let i = 0; i < width; i++) for (let c = 0, xi = base + i * k; c < k; c++) out[xi + c] = (out[xi + c] as number) * (d[b * k + c] as number);
        }
      },
    },
    // da[b, pair(i, j)] = ⟨dy[b, :] ⊙ x[b, i, :], x[b, j, :]⟩
    a: {
      inputs: ['dy', 'x'],
      outputShape: ([, s]) => [shape3(s)[0], (shape3(s)[1] * (shape3(s)[1] - 1)) / 2],
      run([dy, x], [, s], out) {
        const d = dy as Float32Array;
        const xs = x as Float32Array;
        const [batch, width, k] = shape3(s);
        if (runSimdPairs('poolGradA', [d, xs, out], batch, width, k)) return;
        const u = new Float32Array(k);
        for (let b = 0, p = 0; b < batch; b++) {
          const base = b * width * k;
          for (let i = 0; i < width; i++) {
            for (let c = 0, xi = base + i * k; c < k; c++) u[c] = (d[b * k + c] as number) * (xs[xi + c] as number);
            for (let j = i + 1; j < width; j++, p++) {
              let dot = 0;
              for (let c = 0, xj = base + j * k; c < k; c++) dot += (u[c] as number) * (xs[xj + c] as number);
              out[p] = dot;
            }
          }
        }
      },
    },
  },
});

/**
 * AFM's attention-based pooling (Xiao et al. 2017, eq. 4 before the projection p) straight from the embeddings:
 * `Σ_{i<j} a_ij · x_i ⊙ x_j`, `[B, W, k]` and `[B, P]` → `[B, k]`, P = W(W−1)/2, pairs i < j in
 * {@link pairIndices} order. The same value as {@link attentionPool} over `pairProducts(x)`.
 *
 * On wasm and cpu TypeScript kernels compute it and its gradients in single passes over x (small, in cache),
 * never forming the `[B, P, k]` pair tensor or its gradient; elsewhere it composes those two ops.
 *
 * @param x `[B, W, k]` float32 (value-scaled embeddings). @param a `[B, P]` float32 pair weights.
 * @returns `[B, k]`.
 */
export function pairAttentionPool(x: tf.Tensor, a: tf.Tensor): tf.Tensor2D {
  const [batch, width] = x.shape as [number, number, number];
  if (x.rank !== 3 || a.rank !== 2 || a.shape[0] !== batch || a.shape[1] !== (width * (width - 1)) / 2) {
    throw new Error(`pairAttentionPool: x [${x.shape.join(', ')}] does not match weights [${a.shape.join(', ')}] (P = W(W−1)/2)`);
  }
  return pairAttentionPoolOp({ x, a }, () => attentionPool(pairProducts(x), a)) as tf.Tensor2D;
}
