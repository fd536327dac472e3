import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { batchMatMul } from './batch-mat-mul.js';
import { runSimdBatch } from './simd-batch-matmul.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmBatchMatMulNT', 'FmBatchMatMulNN'];

describe.each(['cpu', 'wasm'])('batchMatMul on %s', (backend) => {
  // d = 8: the SIMD kernels on wasm (simd-batch-matmul.ts); d = 16: their unrolled module; d = 3: the TypeScript loops
  describe.each([3, 8, 16])('d = %i', (d) => {
    it.each([false, true])('equals the sums of products by definition and tf.matMul (transposeB %s)', async (transposeB) => {
      await tf.setBackend(backend);
      const [batch, m, n] = [2, 3, 5];
      const a = randomVariable(transposeB ? [batch, m, d] : [batch, m, n], 40);
      const b = randomVariable(transposeB ? [batch, n, d] : [batch, n, d], 41);
      const out = batchMatMul(a, b, transposeB);
      const as = a.arraySync() as number[][][];
      const bs = b.arraySync() as number[][][];
      const got = out.arraySync();
      const [rows, cols, inner] = transposeB ? [m, n, d] : [m, d, n];
      expect(out.shape).toEqual([batch, rows, cols]);
      for (let s = 0; s < batch; s++) {
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let ref = 0;
            for (let c = 0; c < inner; c++) ref += (as[s]?.[i]?.[c] as number) * (transposeB ? (bs[s]?.[j]?.[c] as number) : (bs[s]?.[c]?.[j] as number));
            expect(got[s]?.[i]?.[j]).toBeCloseTo(ref, 5);
          }
        }
      }
      expect(maxAbsDiff(out, withoutKernels(KERNELS, () => batchMatMul(a, b, transposeB)))).toBeLessThan(1e-5);
    });

    it.each([false, true])('has the gradients of central finite differences, as tf.matMul (transposeB %s)', async (transposeB) => {
      await tf.setBackend(backend);
      const [batch, m, n] = [2, 3, 4];
      const a = randomVariable(transposeB ? [batch, m, d] : [batch, m, n], 42);
      const b = randomVariable([batch, n, d], 43);
      const weights = tf.randomNormal(transposeB ? [batch, m, n] : [batch, m, d], 0, 1, 'float32', 44);
      const f = () => tf.sum(tf.mul(tf.sin(batchMatMul(a, b, transposeB)), weights)) as tf.Scalar;
      for (const c of finiteDifferenceCheck(f, [a, b], { count: 10, eps: 1e-2 })) {
        expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
      }
      const grads = tf.grads(() => f())([a, b]);
      const composed = withoutKernels(KERNELS, () => tf.grads(() => f())([a, b]));
      grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
    });
  });

  it('rejects shapes that do not multiply', async () => {
    await tf.setBackend(backend);
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 4]))).toThrow(/do not multiply/);
    expect(() => batchMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 4, 4]), true)).not.toThrow();
  });
});

describe('runSimdBatch', () => {
  it('runs in place on the wasm heap for d a multiple of 4 (so the wasm tests above reach it), and declines elsewhere', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const x = tf.tensor3d([[[1, 2, 3, 4], [0, 1, 0, 1]]]); // [1, 2, 4]
    const out = tf.zeros([1, 2, 2]);
    const view = (t: tf.Tensor) => backend.typedArrayFromHeap(t);
    expect(runSimdBatch('abT', view(x), view(x), view(out), 1, 2, 2, 4)).toBe(true);
    expect(Array.from(out.dataSync())).toEqual([30, 6, 6, 2]);
    expect(runSimdBatch('abT', new Float32Array(8), new Float32Array(8), new Float32Array(4), 1, 2, 2, 4)).toBe(false);
    const odd = tf.zeros([1, 2, 3]);
    expect(runSimdBatch('abT', view(odd), view(odd), view(out), 1, 2, 2, 3)).toBe(false);
  });

  it('runs the unrolled d = 16 module: abT as the looped one over two halves of 8, ab and aTb as tf.matMul', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const view = (t: tf.Tensor) => backend.typedArrayFromHeap(t);
    // abT over d = 16 equals the sum of abT over the two halves of d (d = 8, the looped module)
    const x = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 7);
    const y = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 8);
    const out = tf.zeros([2, 3, 5]);
    expect(runSimdBatch('abT', view(x), view(y), view(out), 2, 3, 5, 16)).toBe(true);
    const half = (t: tf.Tensor, from: number) => tf.slice(t, [0, 0, from], [-1, -1, 8]);
    const parts = [0, 8].map((from) => {
      const [xh, yh] = [half(x, from), half(y, from)];
      const o = tf.zeros([2, 3, 5]);
      expect(runSimdBatch('abT', view(xh), view(yh), view(o), 2, 3, 5, 8)).toBe(true);
      return o;
    });
    expect(maxAbsDiff(out, tf.add(parts[0]!, parts[1]!))).toBeLessThan(1e-5);
    // ab (its own register-held kernel at d = 16) and aTb against tf.matMul
    const scores = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 9);
    const ab = tf.zeros([2, 3, 16]);
    expect(runSimdBatch('ab', view(scores), view(y), view(ab), 2, 3, 5, 16)).toBe(true);
    expect(maxAbsDiff(ab, tf.matMul(scores, y))).toBeLessThan(1e-5);
    const aTb = tf.zeros([2, 5, 16]);
    expect(runSimdBatch('aTb', view(scores), view(x), view(aTb), 2, 3, 5, 16)).toBe(true);
    expect(maxAbsDiff(aTb, tf.matMul(scores, x, true, false))).toBeLessThan(1e-5);
  });
});
