import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { headScores, headValues } from './head-products.js';
import { runSimdBatch, simdStoresEveryElement } from './simd-batch-matmul.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS = ['FmHeadScores', 'FmHeadValues'];
const [BATCH, M, N] = [2, 3, 5];

/** scores[h][b][i][j] = Σ_c q[b][i][h·d' + c] · k[b][j][h·d' + c], by definition. */
function scoresByLoops(q: number[][][], k: number[][][], heads: number, dh: number): number[][][][] {
  return Array.from({ length: heads }, (_, h) =>
    q.map((qb, b) =>
      qb.map((qi) =>
        (k[b] as number[][]).map((kj) => {
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += (qi[h * dh + c] as number) * (kj[h * dh + c] as number);
          return dot;
        }),
      ),
    ),
  );
}

/** out[b][i][h·d' + c] = Σ_j a[h][b][i][j] · v[b][j][h·d' + c], by definition. */
function valuesByLoops(a: number[][][][], v: number[][][], heads: number, dh: number): number[][][] {
  return v.map((vb, b) =>
    Array.from({ length: (a[0] as number[][][])[b]?.length ?? 0 }, (_, i) =>
      Array.from({ length: heads * dh }, (__, col) => {
        const h = Math.floor(col / dh);
        let sum = 0;
        vb.forEach((vj, j) => (sum += (a[h]?.[b]?.[i]?.[j] as number) * (vj[col] as number)));
        return sum;
      }),
    ),
  );
}

function expectClose(got: unknown, want: unknown, digits = 5): void {
  if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length === want.length).toBe(true);
    want.forEach((w, i) => expectClose((got as unknown[])[i], w, digits));
  } else {
    expect(got as number).toBeCloseTo(want as number, digits);
  }
}

describe.each(['cpu', 'wasm'])('headScores and headValues on %s', (backend) => {
  // d' = 16: the unrolled SIMD module on wasm; d' = 8: the looped one; d' = 3: the TypeScript loops
  describe.each([
    [2, 16],
    [2, 8],
    [3, 3],
    [1, 8],
  ])('%i heads of d\' = %i', (heads, dh) => {
    it('equal the sums of products by definition and the composite (reshape, transpose, tf.matMul) form', async () => {
      await tf.setBackend(backend);
      const q = randomVariable([BATCH, M, heads * dh], 50);
      const k = randomVariable([BATCH, N, heads * dh], 51);
      const v = randomVariable([BATCH, N, heads * dh], 52);
      const scores = headScores(q, k, heads);
      expect(scores.shape).toEqual([heads, BATCH, M, N]);
      const ref = scoresByLoops(q.arraySync() as number[][][], k.arraySync() as number[][][], heads, dh);
      expectClose(scores.arraySync(), ref);
      expect(maxAbsDiff(scores, withoutKernels(KERNELS, () => headScores(q, k, heads)))).toBeLessThan(1e-5);

      const weights = tf.softmax(scores, -1);
      const out = headValues(weights, v);
      expect(out.shape).toEqual([BATCH, M, heads * dh]);
      expectClose(out.arraySync(), valuesByLoops(weights.arraySync() as number[][][][], v.arraySync() as number[][][], heads, dh));
      expect(maxAbsDiff(out, withoutKernels(KERNELS, () => headValues(weights, v)))).toBeLessThan(1e-5);
    });

    it('have the gradients of central finite differences, as the composite form', async () => {
      await tf.setBackend(backend);
      const q = randomVariable([BATCH, M, heads * dh], 53, 0.5);
      const k = randomVariable([BATCH, N, heads * dh], 54, 0.5);
      const v = randomVariable([BATCH, N, heads * dh], 55);
      const mix = tf.randomNormal([BATCH, M, heads * dh], 0, 1, 'float32', 56);
      // scores → softmax → weighted values, as in self-attention; a nonlinear read-out so every gradient matters
      const f = () => tf.sum(tf.mul(tf.sin(headValues(tf.softmax(headScores(q, k, heads), -1), v)), mix)) as tf.Scalar;
      for (const c of finiteDifferenceCheck(f, [q, k, v], { count: 10, eps: 1e-2 })) {
        expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
      }
      const grads = tf.grads(() => f())([q, k, v]);
      const composed = withoutKernels(KERNELS, () => tf.grads(() => f())([q, k, v]));
      grads.forEach((g, i) => expect(maxAbsDiff(g, composed[i] as tf.Tensor)).toBeLessThan(1e-5));
    });
  });

  it('reject heads that do not divide the columns and shapes that do not pair', async () => {
    await tf.setBackend(backend);
    expect(() => headScores(tf.zeros([2, 3, 6]), tf.zeros([2, 4, 6]), 4)).toThrow(/4 heads do not divide the 6 columns/);
    expect(() => headScores(tf.zeros([2, 3, 6]), tf.zeros([2, 4, 8]), 2)).toThrow(/must be \[B, m, H·d'\]/);
    expect(() => headValues(tf.zeros([2, 2, 3, 4]), tf.zeros([2, 5, 6]))).toThrow(/must be \[H, B, m, n\]/);
  });
});

describe('runSimdBatch on column blocks', () => {
  it.each([8, 16])('reads and writes a head block of wider rows in place (d = %i of 3·d columns)', async (d) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const view = (t: tf.Tensor) => backend.typedArrayFromHeap(t);
    const width = 3 * d;
    const x = tf.randomNormal([2, 3, width], 0, 1, 'float32', 60);
    const y = tf.randomNormal([2, 5, width], 0, 1, 'float32', 61);
    const block = (t: tf.Tensor) => tf.slice(t, [0, 0, d], [-1, -1, d]); // the middle head, copied out
    const scores = tf.zeros([2, 3, 5]);
    expect(runSimdBatch('abT', view(x).subarray(d), view(y).subarray(d), view(scores), 2, 3, 5, d, width)).toBe(true);
    expect(maxAbsDiff(scores, tf.matMul(block(x), block(y), false, true))).toBeLessThan(1e-5);
    // ab and aTb write the middle block of a zeroed [·, 3d] output and leave the other columns alone
    for (const [kernel, rows, want] of [
      ['ab', 3, tf.matMul(scores, block(y))],
      ['aTb', 5, tf.matMul(scores, block(x), true, false)],
    ] as const) {
      const out = tf.zeros([2, rows, width]);
      // the d = 16 kernels store every element of their block: NaN there must all be overwritten
      const o = view(out);
      if (simdStoresEveryElement(d)) for (let r = 0; r < 2 * rows; r++) o.fill(Number.NaN, r * width + d, r * width + 2 * d);
      expect(runSimdBatch(kernel, view(scores), view(kernel === 'ab' ? y : x).subarray(d), view(out).subarray(d), 2, 3, 5, d, width)).toBe(true);
      expect(maxAbsDiff(block(out), want)).toBeLessThan(1e-5);
      expect(maxAbsDiff(tf.concat([tf.slice(out, [0, 0, 0], [-1, -1, d]), tf.slice(out, [0, 0, 2 * d], [-1, -1, d])], -1), tf.zeros([2, rows, 2 * d]))).toBe(0);
    }
  });
});
