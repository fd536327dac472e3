import * as tf from '@tensorflow/tfjs';
import { defineHostOp } from './host-kernel.js';
import { simdStoresEveryElement, runSimdBatch, type BatchKernel } from './simd-batch-matmul.js';

const shape3 = (s: readonly number[] | undefined) => s as [number, number, number];

/**
 * One of the three batched products (abT: x [B, m, d] · y [B, n, d]ᵀ → [B, m, n]; ab: a [B, m, n] · y [B, n, d]
 * → [B, m, d]; aTb: a [B, m, n]ᵀ · y [B, m, d] → [B, n, d]) into `out`: SIMD on the wasm heap where it can, else
 * a TypeScript loop. The `[·, d]` operands may be column blocks of wider rows, `rowFloats` floats apart (each view
 * starting at its block): then `out` is not zeroed here and must be where the kernel accumulates (ab, aTb; not
 * where the d = 16 SIMD kernels run, which store every element).
 * @internal
 */
export function batchProduct(kernel: BatchKernel, a: Float32Array, y: Float32Array, out: Float32Array, batch: number, m: number, n: number, d: number, rowFloats = d): void {
  if (simdStoresEveryElement(d) && runSimdBatch(kernel, a, y, out, batch, m, n, d, rowFloats)) return;
  if (kernel !== 'abT' && rowFloats === d) out.fill(0);
  if (runSimdBatch(kernel, a, y, out, batch, m, n, d, rowFloats)) return;
  const r = rowFloats;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        if (kernel === 'abT') {
          let dot = 0;
          for (let c = 0, xi = (b * m + i) * r, yj = (b * n + j) * r; c < d; c++) dot += (a[xi + c] as number) * (y[yj + c] as number);
          out[(b * m + i) * n + j] = dot;
        } else {
          const s = a[(b * m + i) * n + j] as number;
          const [at, from] = kernel === 'ab' ? [(b * m + i) * r, (b * n + j) * r] : [(b * n + j) * r, (b * m + i) * r];
          for (let c = 0; c < d; c++) out[at + c] = (out[at + c] as number) + s * (y[from + c] as number);
        }
      }
    }
  }
}

// a [B, m, d] · b [B, n, d]ᵀ → [B, m, n]; ∂a = dy · b (ab), ∂b = dyᵀ · a (aTb)
const productNTOp = defineHostOp({
  name: 'FmBatchMatMulNT',
  inputs: ['a', 'b'],
  outputShape: ([sa, sb]) => [shape3(sa)[0], shape3(sa)[1], shape3(sb)[1]],
  run: ([a, b], [sa, sb], out) => batchProduct('abT', a as Float32Array, b as Float32Array, out, ...shape3(sa).slice(0, 2) as [number, number], shape3(sb)[1], shape3(sa)[2]),
  grads: {
    a: {
      inputs: ['dy', 'b'],
      outputShape: ([sd, sb]) => [shape3(sd)[0], shape3(sd)[1], shape3(sb)[2]],
      run: ([dy, b], [sd, sb], out) => batchProduct('ab', dy as Float32Array, b as Float32Array, out, shape3(sd)[0], shape3(sd)[1], shape3(sd)[2], shape3(sb)[2]),
    },
    b: {
      inputs: ['dy', 'a'],
      outputShape: ([sd, sa]) => [shape3(sd)[0], shape3(sd)[2], shape3(sa)[2]],
      run: ([dy, a], [sd, sa], out) => batchProduct('aTb', dy as Float32Array, a as Float32Array, out, shape3(sd)[0], shape3(sd)[1], shape3(sd)[2], shape3(sa)[2]),
    },
  },
});

// a [B, m, n] · b [B, n, d] → [B, m, d]; ∂a = dy · bᵀ (abT), ∂b = aᵀ · dy (aTb)
const productNNOp = defineHostOp({
  name: 'FmBatchMatMulNN',
  inputs: ['a', 'b'],
  outputShape: ([sa, sb]) => [shape3(sa)[0], shape3(sa)[1], shape3(sb)[2]],
  run: ([a, b], [sa, sb], out) => batchProduct('ab', a as Float32Array, b as Float32Array, out, shape3(sa)[0], shape3(sa)[1], shape3(sa)[2], shape3(sb)[2]),
  grads: {
    a: {
      inputs: ['dy', 'b'],
      outputShape: ([sd, sb]) => [shape3(sd)[0], shape3(sd)[1], shape3(sb)[1]],
      run: ([dy, b], [sd, sb], out) => batchProduct('abT', dy as Float32Array, b as Float32Array, out, shape3(sd)[0], shape3(sd)[1], shape3(sb)[1], shape3(sd)[2]),
    },
    b: {
      inputs: ['dy', 'a'],
      outputShape: ([sd, sa]) => [shape3(sd)[0], shape3(sa)[2], shape3(sd)[2]],
      run: ([dy, a], [sd, sa], out) => batchProduct('aTb', a as Float32Array, dy as Float32Array, out, shape3(sd)[0], shape3(sa)[1], shape3(sa)[2], shape3(sd)[2]),
    },
  },
});

/**
 * The batched product `a · b` (or `a · bᵀ` with `transposeB`) of rank-3 tensors, `[B, m, n] · [B, n, d]` →
 * `[B, m, d]` (`[B, m, d] · [B, n, d]ᵀ` → `[B, m, n]`): self-attention's scores Q Kᵀ and weighted values A V
 * (Vaswani et al. 2017; AutoInt, Song et al. 2019). tfjs-backend-wasm runs batched matMuls, and the transposed
 * ones of their gradients, on a naive loop; here, on wasm and cpu, host kernels compute the product and both
 * gradients (WebAssembly SIMD along d on wasm for d a multiple of 4, TypeScript loops otherwise). Elsewhere
 * `tf.matMul`.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor3D {
  const inner = transposeB ? 2 : 1;
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[inner]) {
    throw new Error(`batchMatMul: [${a.shape.join(', ')}] · [${b.shape.join(', ')}]${transposeB ? 'ᵀ' : ''} do not multiply (expected rank-3 [B, m, n] · [B, n, d])`);
  }
  const composite = () => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, transposeB);
  return (transposeB ? productNTOp({ a, b }, composite) : productNNOp({ a, b }, composite)) as tf.Tensor3D;
}
