import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimdPairs } from './simd-pairs.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Views of tensors' storage, as host kernels get them (wasm: the backend's heap). */
function views(tensors: tf.Tensor[]): Float32Array[] {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };
  return tensors.map((t) => (backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : (t.dataSync() as Float32Array)));
}

// the kernels' values and gradients are checked through pair-products.test.ts and pair-attention-pool.test.ts
// (k = 8, against loops and finite differences); this checks that those tests do reach them
describe('runSimdPairs', () => {
  it('runs in place on the wasm heap for k a multiple of 4: x_i ⊙ x_j into the output', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d([[[1, 2, 3, 4], [5, 6, 7, 8], [2, 2, 2, 2]]]);
    const out = tf.zeros([1, 3, 4]);
    expect(runSimdPairs('products', views([x, out]), 1, 3, 4)).toBe(true);
    expect(Array.from(out.dataSync())).toEqual([5, 12, 21, 32, 2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('declines k not a multiple of 4 and memory that is not the wasm heap', async () => {
    await tf.setBackend('wasm');
    const [x, out] = views([tf.ones([1, 2, 3]), tf.zeros([1, 1, 3])]);
    expect(runSimdPairs('products', [x as Float32Array, out as Float32Array], 1, 2, 3)).toBe(false);
    expect(runSimdPairs('products', [new Float32Array(8), new Float32Array(4)], 1, 2, 4)).toBe(false);
    await tf.setBackend('cpu');
    expect(runSimdPairs('products', views([tf.ones([1, 2, 4]), tf.zeros([1, 1, 4])]), 1, 2, 4)).toBe(false);
  });
});
