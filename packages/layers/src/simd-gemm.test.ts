import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { columnSums, gemmTransposedA } from './simd-gemm.js';
import { uniform } from './test-utils/reference.js';

/** xᵀ @ dy by the definition, in float64. */
function reference(x: Float32Array, dy: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) for (let r = 0; r < m; r++) out[i * n + j] = (out[i * n + j] as number) + (x[r * k + i] as number) * (dy[r * n + j] as number);
  return out;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('gemmTransposedA', () => {
  it.each([
    [8, 4, 4],
    [37, 5, 3], // rows and columns that are not multiples of 4 (zero-padded)
    [1, 1, 1],
    [130, 17, 9],
    [37, 8, 1], // N not a multiple of 4, K one: computed as (dyᵀ x)ᵀ
    [130, 16, 3],
    [20, 1030, 32], // wide x: K = 4·257 + 2 (blocks of 4 columns and a remainder)
    [8, 4100, 4], // N = 4: the 4-wide kernels only
    [70, 7, 12], // 3 chunks of rows (32, 32, 6), K and N remainders: all four kernels
  ])('xᵀ @ dy for [M=%i, K=%i] and [M, N=%i]: SIMD and loop both equal the definition', (m, k, n) => {
    const rnd = uniform(m * 31 + k * 7 + n);
    const x = Float32Array.from({ length: m * k }, () => rnd() - 0.5);
    const dy = Float32Array.from({ length: m * n }, () => rnd() - 0.5);
    const ref = reference(x, dy, m, k, n);
    for (const simd of [true, false]) {
      const out = new Float32Array(k * n).fill(Number.NaN); // every element must be written
      gemmTransposedA(x, dy, m, k, n, out, simd);
      out.forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 4));
    }
  });

  it('reuses its memory across calls of different sizes', () => {
    const big = new Float32Array(4096 * 8).fill(1);
    const out = new Float32Array(64);
    gemmTransposedA(big, big, 4096, 8, 8, out);
    expect(out[0]).toBe(4096);
    const small = new Float32Array(3);
    gemmTransposedA(Float32Array.from([1, 2, 3]), Float32Array.from([1, 1, 1]), 3, 1, 1, small.subarray(0, 1));
    expect(small[0]).toBe(6);
  });

  it.each([
    [12, 5, 8], // N a multiple of 4: in place on the heap (M and K any)
    [12, 1030, 32], // in place, a wide x
    [13, 4, 8], // M ragged: in place too
    [70, 7, 12], // in place over 3 chunks of rows, with K and N remainders
    [9, 6, 5], // N ragged: copied, dy's rows padded
  ])('on views of the wasm backend heap, [M=%i, K=%i] and [M, N=%i], equals the definition', async (m, k, n) => {
    await tf.setBackend('wasm');
    const rnd = uniform(m + k + n);
    const x = tf.tensor2d(Float32Array.from({ length: m * k }, () => rnd() - 0.5), [m, k]);
    const dy = tf.tensor2d(Float32Array.from({ length: m * n }, () => rnd() - 0.5), [m, n]);
    const out = tf.fill([k, n], Number.NaN); // every element must be written
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const [xv, dyv, outv] = [x, dy, out].map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
    gemmTransposedA(xv, dyv, m, k, n, outv);
    const ref = reference(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, m, k, n);
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 4));
  });

  it.each([
    [5, 4],
    [37, 12],
    [300, 16], // one 16-wide block (AFM's attention size)
    [70, 44], // 32 + 8 + 4: three block widths
    [9, 100], // three 32-wide blocks and a 4-wide one
    [6, 7], // not a multiple of 4: as a ones column's product
  ])('columnSums of [m=%i, n=%i] on the wasm heap equal the float64 column sums, every element written', async (m, n) => {
    await tf.setBackend('wasm');
    const rnd = uniform(m * 13 + n);
    const x = tf.tensor1d(Float32Array.from({ length: m * n }, () => rnd() - 0.5));
    const out = tf.zeros([n]);
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const xs = backend.typedArrayFromHeap(x);
    const want = Array.from({ length: n }, (_, j) => {
      let sum = 0;
      for (let r = 0; r < m; r++) sum += xs[r * n + j] as number;
      return sum;
    });
    for (const onHeap of [true, false]) {
      const o = onHeap ? backend.typedArrayFromHeap(out) : new Float32Array(n);
      o.fill(Number.NaN);
      columnSums(onHeap ? xs : xs.slice(), m, n, o);
      o.forEach((v, j) => expect(v).toBeCloseTo(want[j] as number, 4));
    }
    x.dispose();
    out.dispose();
  });

  it.each([[37, 8], [3000, 16]])('xᵀ @ dy with one column, [M=%i, K=%i] · [M, 1], in place on the wasm heap, equals the definition', async (m, k) => {
    await tf.setBackend('wasm');
    const rnd = uniform(m + 7 * k);
    const x = tf.tensor1d(Float32Array.from({ length: m * k }, () => rnd() - 0.5));
    const dy = tf.tensor1d(Float32Array.from({ length: m }, () => rnd() - 0.5));
    const out = tf.zeros([k]);
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const [xs, ds, o] = [x, dy, out].map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
    const ref = reference(xs, ds, m, k, 1);
    o.fill(Number.NaN);
    gemmTransposedA(xs, ds, m, k, 1, o);
    o.forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 3));
    [x, dy, out].forEach((t) => t.dispose());
  });
});
