import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { runSimdPairs } from './simd-pairs.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

const attentionPoolOp = defineHostOp({
  name: 'FmAttentionPool',
  inputs: ['pairs', 'a'],
  outputShape: ([s]) => [shape3(s)[0], shape3(s)[2]],
  // out[b, :] = Σ_p a[b, p]·pairs[b, p, :]
  run([pairs, a], [s], out) {
    const x = pairs as Float32Array;
    const w = a as Float32Array;
    const [batch, numPairs, k] = shape3(s);
    out.fill(0);
    if (runSimdPairs('weightedSum', [x, w, out], batch, numPairs, k)) return;
    for (let b = 0, o = 0; b < batch; b++) {
      for (let p = 0; p < numPairs; p++) {
        const ap = w[b * numPairs + p] as number;
        for (let c = 0; c < k; c++) out[b * k + c] = (out[b * k + c] as number) + ap * (x[o++] as number);
      }
    }
  },
  grads: {
    // dpairs[b, p, :] = a[b, p]·dy[b, :]
    pairs: {
      inputs: ['dy', 'a', 'pairs'],
      outputShape: ([, , s]) => [...(s as number[])],
      run([dy, a], [, , s], out) {
        const d = dy as Float32Array;
        const w = a as Float32Array;
        const [batch, numPairs, k] = shape3(s);
        if (runSimdPairs('weightedSumGradX', [d, w, out], batch, numPairs, k)) return;
        for (let b = 0, o = 0; b < batch; b++) {
          for (let p = 0; p < numPairs; p++) {
            const ap = w[b * numPairs + p] as number;
            for (let c = 0; c < k; c++) out[o++] = ap * (d[b * k + c] as number);
          }
        }
      },
    },
    // da[b, p] = ⟨dy[b, :], pairs[b, p, :]⟩
    a: {
      inputs: ['dy', 'pairs'],
      outputShape: ([, s]) => [shape3(s)[0], shape3(s)[1]],
      run([dy, pairs], [, s], out) {
        const d = dy as Float32Array;
        const x = pairs as Float32Array;
        const [batch, numPairs, k] = shape3(s);
        if (runSimdPairs('weightedSumGradA', [d, x, out], batch, numPairs, k)) return;
        for (let b = 0, o = 0; b < batch; b++) {
          for (let p = 0; p < numPairs; p++) {
            let dot = 0;
            for (let c = 0; c < k; c++) dot += (d[b * k + c] as number) * (x[o++] as number);
            out[b * numPairs + p] = dot;
          }
        }
      },
    },
  },
});

/**
 * The attention-based pooling of AFM (Xiao et al. 2017, eq. 4 before the projection p): `Σ_p a_p · pairs_p`,
 * `[B, P, k]` and `[B, P]` → `[B, k]`; any weighted sum over the middle axis (the CIN's contraction with X⁰).
 *
 * On wasm and cpu kernels compute it and its two gradients in single passes (WebAssembly SIMD on wasm for k a
 * multiple of 4, see simd-pairs.ts; TypeScript loops otherwise); elsewhere it is
 * `sum(pairs ⊙ a, 1)`.
 */
export function attentionPool(pairs: tf.Tensor, a: tf.Tensor): tf.Tensor2D {
  const [batch, numPairs] = pairs.shape as [number, number, number];
  if (pairs.rank !== 3 || a.rank !== 2 || a.shape[0] !== batch || a.shape[1] !== numPairs) {
    throw new Error(`attentionPool: pairs [${pairs.shape.join(', ')}] do not match weights [${a.shape.join(', ')}]`);
  }
  return attentionPoolOp({ pairs, a }, () => tf.sum(tf.mul(pairs, tf.expandDims(a, -1)), 1)) as tf.Tensor2D;
}
