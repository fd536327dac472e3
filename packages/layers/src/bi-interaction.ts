import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { runSimdPairs } from './simd-pairs.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

const biInteractionOp = defineHostOp({
  name: 'FmBiInteraction',
  inputs: ['x'],
  outputShape: ([s]) => [shape3(s)[0], shape3(s)[2]],
  // out[b, :] = ½[(Σ_i x[b, i, :])² − Σ_i x[b, i, :]²]
  run([x], [s], out) {
    const xs = x as Float32Array;
    const [batch, width, k] = shape3(s);
    if (runSimdPairs('biInteraction', [xs, out], batch, width, k)) return;
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < k; c++) {
        let sum = 0;
        let sumSq = 0;
        for (let i = 0, o = b * width * k + c; i < width; i++, o += k) {
          sum += xs[o] as number;
          sumSq += (xs[o] as number) * (xs[o] as number);
        }
        out[b * k + c] = 0.5 * (sum * sum - sumSq);
      }
    }
  },
  grads: {
    // dx[b, i, :] = dy[b, :] ⊙ (Σ_j x[b, j, :] − x[b, i, :])
    x: {
      inputs: ['dy', 'x'],
      outputShape: ([, s]) => [...(s as number[])],
      run([dy, x], [, s], out) {
        const d = dy as Float32Array;
        const xs = x as Float32Array;
        const [batch, width, k] = shape3(s);
        if (runSimdPairs('biInteractionGrad', [d, xs, out], batch, width, k)) return;
        for (let b = 0; b < batch; b++) {
          for (let c = 0; c < k; c++) {
            const first = b * width * k + c;
            let sum = 0;
            for (let i = 0, o = first; i < width; i++, o += k) sum += xs[o] as number;
            const g = d[b * k + c] as number;
            for (let i = 0, o = first; i < width; i++, o += k) out[o] = g * (sum - (xs[o] as number));
          }
        }
      },
    },
  },
});

/**
 * The Bi-Interaction pooling of NFM (He & Chua 2017, eq. 3), the per-factor pairwise sum of an FM (Rendle 2010,
 * eq. 5): `[B, W, k]` → `[B, k]`, out = Σ_{i<j} x_i ⊙ x_j = ½[(Σ_i x_i)² − Σ_i x_i²], in O(W k).
 *
 * On wasm and cpu one kernel computes it in one pass (and one its gradient, dx_i = dy ⊙ (Σ_j x_j − x_i)), without
 * the `[B, W, k]` temporaries and `ones` tensors that composed ops and their gradients allocate: WebAssembly SIMD
 * on wasm for k a multiple of 4 (f32 sums, simd-pairs.ts), TypeScript loops otherwise (f64 sums); elsewhere it
 * composes stock ops.
 */
export function biInteraction(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 3) throw new Error(`biInteraction: expected [B, W, k], got [${x.shape.join(', ')}]`);
  const input = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  return biInteractionOp({ x: input }, () => tf.mul(tf.sub(tf.square(tf.sum(input, 1)), tf.sum(tf.square(input), 1)), 0.5)) as tf.Tensor2D;
}
