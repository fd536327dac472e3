import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { rowSoftmax } from './row-softmax.js';
import { runSimdExp, runSimdSoftmax } from './simd-softmax.js';
import { finiteDifferenceCheck } from './test-utils/reference.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Softmax of each row by definition, in float64. */
function softmaxByDefinition(rows: number[][]): number[][] {
  return rows.map((row) => {
    const max = Math.max(...row);
    const e = row.map((x) => Math.exp(x - max));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  });
}

describe.each(['cpu', 'wasm'])('rowSoftmax on %s', (backend) => {
  // n = 39: whole vectors and an overlapping tail on wasm; 8: whole vectors only; 5: one vector and a tail; 3: loops
  it.each([39, 8, 5, 3])('equals the softmax by definition and tf.softmax for rows of %i', async (n) => {
    await tf.setBackend(backend);
    const x = tf.mul(tf.randomNormal([2, 7, n], 0, 1, 'float32', 70), 4);
    const got = rowSoftmax(x);
    const want = softmaxByDefinition((tf.reshape(x, [-1, n]).arraySync() as number[][]));
    (tf.reshape(got, [-1, n]).arraySync() as number[][]).forEach((row, r) =>
      row.forEach((v, j) => expect(Math.abs(v - (want[r]?.[j] as number))).toBeLessThan(1e-6 + 2e-6 * (want[r]?.[j] as number))),
    );
    expect(maxAbsDiff(got, withoutKernels(['FmRowSoftmax'], () => rowSoftmax(x)))).toBeLessThan(1e-6);
  });

  it.each([39, 5, 3])('has the gradient of central finite differences and of tf.softmax (rows of %i)', async (n) => {
    await tf.setBackend(backend);
    const x = randomVariable([3, n], 71);
    const w = tf.randomNormal([3, n], 0, 1, 'float32', 72);
    const f = () => tf.sum(tf.mul(tf.sin(rowSoftmax(x)), w)) as tf.Scalar;
    for (const c of finiteDifferenceCheck(f, [x], { count: 12, eps: 1e-2 })) {
      expect(Math.abs(c.analytic - c.numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(c.numeric));
    }
    const [g] = tf.grads(() => f())([x]);
    const [composed] = withoutKernels(['FmRowSoftmax', 'FmRowSoftmaxGrad_x'], () => tf.grads(() => f())([x]));
    expect(maxAbsDiff(g as tf.Tensor, composed as tf.Tensor)).toBeLessThan(1e-6);
  });

  it('keeps masked logits (−1e9 shifts) at exactly 0 and large shifts finite', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor2d([[1, -1e9, 2, 3, -1e9, 0.5], [1000, 999, 998, 997, 996, -1e9]]);
    const y = rowSoftmax(x).arraySync() as number[][];
    expect(y[0]?.[1]).toBe(0);
    expect(y[0]?.[4]).toBe(0);
    expect(y[1]?.[5]).toBe(0);
    const want = softmaxByDefinition([[1, 2, 3, 0.5], [1000, 999, 998, 997, 996]]);
    [y[0]?.[0], y[0]?.[2], y[0]?.[3], y[0]?.[5]].forEach((v, j) => expect(v).toBeCloseTo(want[0]?.[j] as number, 6));
    y[1]?.slice(0, 5).forEach((v, j) => expect(v).toBeCloseTo(want[1]?.[j] as number, 6));
  });
});

describe('the SIMD kernels', () => {
  it('exp is within 2 ulp of e^x over [−87, 0] and 0 below float32 range; the softmax kernel runs on the heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const values = Array.from({ length: 4000 }, (_, i) => -87 + (87 * i) / 3999).concat([-88, -100, -1e9, 0]);
    const x = tf.tensor1d(values);
    const out = tf.zeros([values.length]);
    expect(runSimdExp(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out))).toBe(true);
    const got = out.dataSync();
    const xs = x.dataSync();
    for (let i = 0; i < 4000; i++) {
      const want = Math.exp(xs[i] as number);
      expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(2 * 2 ** (Math.floor(Math.log2(want)) - 23));
    }
    expect(Array.from(got.slice(4001, 4003))).toEqual([0, 0]);
    expect(got[4003]).toBe(1);
    const rows = tf.randomNormal([3, 6]);
    const y = tf.zeros([3, 6]);
    expect(runSimdSoftmax(backend.typedArrayFromHeap(rows), backend.typedArrayFromHeap(y), 6)).toBe(true);
    expect(runSimdSoftmax(backend.typedArrayFromHeap(rows), backend.typedArrayFromHeap(y), 3)).toBe(false);
    expect(runSimdSoftmax(new Float32Array(12), new Float32Array(12), 6)).toBe(false);
  });
});
