import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherTableRows, sparseRowKernels, type SparseRowKernels } from './sparse-rows-wasm.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A seeded uniform stream in [-1, 1). */
function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const heap = () => tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array | Int32Array };
/** The kernels, or a failed expectation (the wasm backend in Node has WebAssembly SIMD). */
function kernels(t: tf.Tensor): SparseRowKernels {
  const k = sparseRowKernels(heap().typedArrayFromHeap(t).buffer);
  expect(k).not.toBeNull();
  return k as SparseRowKernels;
}
/** The byte offset of a tensor's storage (taken after every allocation). */
const at = (t: tf.Tensor) => heap().typedArrayFromHeap(t).byteOffset;
const view = (t: tf.Tensor) => heap().typedArrayFromHeap(t) as Float32Array;

describe.each([1, 3, 4, 16])('sparse-row kernels, rows of %i', (r) => {
  const n = 50;
  const next = rand(r);
  const table = Float32Array.from({ length: n * r }, next);
  // repeats (7 thrice) and the last row, in an order that is neither sorted nor unique
  const ids = Int32Array.from([7, 0, 49, 7, 12, 3, 7, 31]);

  it('gatherTableRows copies the rows at the ids', () => {
    const t = tf.tensor2d(table, [n, r]);
    const out = gatherTableRows(t, tf.tensor1d(ids, 'int32'));
    expect(out.shape).toEqual([ids.length, r]);
    const got = out.dataSync();
    ids.forEach((id, s) => {
      for (let j = 0; j < r; j++) expect(got[s * r + j]).toBe(table[id * r + j]);
    });
    // ids of any shape: the rows come in that shape
    const ids2 = tf.tensor2d(ids, [2, 4], 'int32');
    const out2 = gatherTableRows(tf.tensor3d(table, [n, 1, r]), ids2);
    expect(out2.shape).toEqual([2, 4, 1, r]);
    expect(Array.from(out2.dataSync())).toEqual(Array.from(got));
  });

  it('scatterAdd sums every slot into its row, in slot order, as float32 adds', () => {
    const unique = [7, 0, 49, 12, 3, 31];
    const local = Int32Array.from(ids, (id) => unique.indexOf(id));
    const d = Float32Array.from({ length: ids.length * r }, next);
    const g0 = Float32Array.from({ length: unique.length * r }, next);
    const g = tf.tensor1d(g0);
    const dT = tf.tensor1d(d);
    const localT = tf.tensor1d(local, 'int32');
    const k = kernels(g);
    (r % 4 === 0 ? k.scatterAdd16 : k.scatterAdd4)(at(g), at(localT), ids.length, r * 4, at(dT));
    const expected = Float32Array.from(g0);
    local.forEach((l, s) => {
      for (let j = 0; j < r; j++) expected[l * r + j] = Math.fround((expected[l * r + j] as number) + (d[s * r + j] as number));
    });
    expect(Array.from(view(g))).toEqual(Array.from(expected));
    if (r % 4 === 0) {
      // the scalar kernel takes any row size, multiples of 4 included
      const g2 = tf.tensor1d(g0);
      k.scatterAdd4(at(g2), at(localT), ids.length, r * 4, at(dT));
      expect(Array.from(view(g2))).toEqual(Array.from(expected));
    }
  });

  describe.each([0, 0.3])('Adam on the touched rows, L2 λ = %f', (lambda) => {
    const unique = Int32Array.from([7, 0, 49, 12]);
    const counts = Int32Array.from([3, 0, 1, 2]);
    const rows = 5;
    const [lr, b1, b2, eps, t] = [0.01, 0.9, 0.999, 1e-8, 3];
    const c1 = 1 - b1 ** t;
    const c2 = Math.sqrt(1 - b2 ** t);
    const m0 = Float32Array.from({ length: n * r }, () => 0.1 * next());
    const v0 = Float32Array.from({ length: n * r }, () => 0.01 * Math.abs(next()));
    const g0 = Float32Array.from({ length: unique.length * r }, next);

    /** Adam from its definition (Kingma & Ba 2015), in float64 with float32 storage, after the L2 term λ·count/B·w. */
    function reference(): { w: Float32Array; m: Float32Array; v: Float32Array } {
      const [w, m, v] = [Float32Array.from(table), Float32Array.from(m0), Float32Array.from(v0)];
      unique.forEach((row, u) => {
        for (let j = 0; j < r; j++) {
          const q = row * r + j;
          let g = g0[u * r + j] as number;
          if (lambda > 0) g = Math.fround(g + ((lambda * (counts[u] as number)) / rows) * (w[q] as number));
          const mi = b1 * (m[q] as number) + (1 - b1) * g;
          const vi = b2 * (v[q] as number) + (1 - b2) * g * g;
          m[q] = mi;
          v[q] = vi;
          w[q] = (w[q] as number) - (lr * (mi / c1)) / (Math.sqrt(vi) / c2 + eps);
        }
      });
      return { w, m, v };
    }

    function run(wide: boolean, nU = unique.length) {
      const [w, m, v, g] = [table, m0, v0, g0].map((a) => tf.tensor1d(a));
      const [uT, cT] = [tf.tensor1d(unique, 'int32'), tf.tensor1d(counts, 'int32')];
      const k = kernels(w as tf.Tensor);
      const args = [at(w as tf.Tensor), at(m as tf.Tensor), at(v as tf.Tensor), at(g as tf.Tensor), at(uT), at(cT), nU, r * 4, lambda, rows] as const;
      let touched = 0;
      if (wide) touched = k.adamRows16(...args, lr / c1, b1, 1 - b1, b2, 1 - b2, eps, 1 / c2);
      else k.adamRows(...args, lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
      return { w: view(w as tf.Tensor), m: view(m as tf.Tensor), v: view(v as tf.Tensor), touched };
    }

    it('adamRows (float64) equals the definition bit for bit; untouched rows keep weights and moments', () => {
      const ref = reference();
      const got = run(false);
      expect(Array.from(got.w)).toEqual(Array.from(ref.w));
      expect(Array.from(got.m)).toEqual(Array.from(ref.m));
      expect(Array.from(got.v)).toEqual(Array.from(ref.v));
      // the step moved every touched row (a zero count still takes Adam's step from its gradient)
      unique.forEach((row) => expect(got.w[row * r]).not.toBe(table[row * r]));
    });

    it.skipIf(r % 4 !== 0)('adamRows16 (float32 × 4) agrees with it to float32 rounding', () => {
      const ref = reference();
      const got = run(true);
      for (let q = 0; q < n * r; q++) {
        expect(Math.abs((got.w[q] as number) - (ref.w[q] as number))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref.w[q] as number)));
        // the moments' terms are ≤ ~0.1 (m) and ≤ ~0.011 (v): a few float32 ulps of those, as sums may cancel
        expect(Math.abs((got.m[q] as number) - (ref.m[q] as number))).toBeLessThanOrEqual(1e-7);
        expect(Math.abs((got.v[q] as number) - (ref.v[q] as number))).toBeLessThanOrEqual(1e-8);
      }
      // rows no slot touched are the very same bits
      for (let row = 0; row < n; row++) {
        if (unique.includes(row)) continue;
        for (let j = 0; j < r; j++) expect(got.w[row * r + j]).toBe(table[row * r + j]);
      }
    });

    it.skipIf(r % 4 !== 0)('adamRows16 first loads every cache line of the rows: it returns the float32 sum of w, m, v at each 64th byte and last float, before the update', () => {
      let sum = 0;
      const add = (q: number) => {
        for (const a of [table, m0, v0]) sum = Math.fround(sum + (a[q] as number));
      };
      for (const row of unique) {
        for (let byte = 0; byte < r * 4; byte += 64) add(row * r + byte / 4);
        add(row * r + r - 1);
      }
      expect(sum).not.toBe(0);
      expect(run(true).touched).toBe(sum);
      // one row (a dense weight): no loading pass, the same update
      const one = run(true, 1);
      expect(one.touched).toBe(0);
      const row = unique[0] as number;
      expect(one.w[row * r]).not.toBe(table[row * r]);
    });
  });
});

describe('adamRows16 over more rows than a touch chunk', () => {
  it('updates 70 rows in chunks as adamRows does, to float32 rounding, and touches each of them', () => {
    const [n, r, nU] = [200, 16, 70];
    const next = rand(99);
    const table = Float32Array.from({ length: n * r }, next);
    const m0 = Float32Array.from({ length: n * r }, () => 0.1 * next());
    const v0 = Float32Array.from({ length: n * r }, () => 0.01 * Math.abs(next()));
    // 70 distinct rows in a scrambled order (3 is coprime to 200), their gradients and counts
    const unique = Int32Array.from({ length: nU }, (_, u) => (3 * u + 11) % n);
    const counts = Int32Array.from({ length: nU }, (_, u) => u % 4);
    const g0 = Float32Array.from({ length: nU * r }, next);
    const [lambda, rows, lr, b1, b2, eps, t] = [0.3, 64, 0.01, 0.9, 0.999, 1e-8, 2];
    const c1 = 1 - b1 ** t;
    const c2 = Math.sqrt(1 - b2 ** t);
    const run = (wide: boolean) => {
      const [w, m, v, g] = [table, m0, v0, g0].map((a) => tf.tensor1d(a));
      const [uT, cT] = [tf.tensor1d(unique, 'int32'), tf.tensor1d(counts, 'int32')];
      const k = kernels(w as tf.Tensor);
      const args = [at(w as tf.Tensor), at(m as tf.Tensor), at(v as tf.Tensor), at(g as tf.Tensor), at(uT), at(cT), nU, r * 4, lambda, rows] as const;
      const touched = wide ? k.adamRows16(...args, lr / c1, b1, 1 - b1, b2, 1 - b2, eps, 1 / c2) : (k.adamRows(...args, lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2), 0);
      return { w: Float32Array.from(view(w as tf.Tensor)), m: Float32Array.from(view(m as tf.Tensor)), touched };
    };
    const exact = run(false);
    const got = run(true);
    for (let q = 0; q < n * r; q++) {
      expect(Math.abs((got.w[q] as number) - (exact.w[q] as number))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(exact.w[q] as number)));
      expect(Math.abs((got.m[q] as number) - (exact.m[q] as number))).toBeLessThanOrEqual(1e-7);
    }
    // every row moved, the last chunk's included
    for (const row of unique) expect(got.w[row * r]).not.toBe(table[row * r]);
    let sum = 0;
    for (const row of unique) for (const q of [row * r, row * r + r - 1]) for (const a of [table, m0, v0]) sum = Math.fround(sum + (a[q] as number));
    expect(got.touched).toBe(sum);
  });
});
