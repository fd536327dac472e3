import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { innerProductInteraction, pairIndices } from './index.js';
import { expectGradientsMatch } from './test-utils/expect-gradients.js';

await tf.setBackend('cpu'); // before the module-level tensors: importing the wasm backend makes it the default
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const B = 3;
const N = 5;
const k = 4;
const emb = tf.randomNormal([B, N, k], 0, 1, 'float32', 41) as tf.Tensor3D;

describe('InnerProductInteraction', () => {
  it('outputs ⟨e_i, e_j⟩ for every pair i < j in pairIndices order (explicit loops)', () => {
    const out = innerProductInteraction().apply(emb) as tf.Tensor;
    expect(out.shape).toEqual([B, (N * (N - 1)) / 2]);
    const got = out.arraySync() as number[][];
    const e = emb.arraySync();
    const { rows, cols } = pairIndices(N);
    for (let b = 0; b < B; b++) {
      let p = 0;
      for (let i = 0; i < N; i++) {
        for (let j = i + 1; j < N; j++) {
          expect([rows[p], cols[p]]).toEqual([i, j]);
          let dot = 0;
          for (let c = 0; c < k; c++) dot += (e[b]?.[i]?.[c] as number) * (e[b]?.[j]?.[c] as number);
          expect(got[b]?.[p]).toBeCloseTo(dot, 5);
          p++;
        }
      }
    }
  });

  it('its gradient matches central finite differences on cpu, and wasm (no tf.gather gradient kernel) agrees', async () => {
    const v = tf.variable(tf.clone(emb));
    const weights = tf.randomNormal([B, (N * (N - 1)) / 2], 0, 1, 'float32', 2);
    const layer = innerProductInteraction();
    const f = () => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, weights)) as tf.Scalar;
    expectGradientsMatch(f, [v]);
    const onCpu = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, weights)))(emb).dataSync();
    await tf.setBackend('wasm');
    const onWasm = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, weights)))(emb).dataSync();
    await tf.setBackend('cpu');
    onCpu.forEach((g, i) => expect(onWasm[i]).toBeCloseTo(g, 4));
  });
});
