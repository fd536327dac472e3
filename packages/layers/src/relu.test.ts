import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { relu, reluGrad } from './relu.js';
import { uniform } from './test-utils/reference.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('relu and reluGrad on %s', (backend) => {
  // 4·k + 3 elements: the SIMD pass and the loop's tail on wasm; exact zeros among the inputs
  it.each([[7, 5], [64, 16]])('[%i, %i]: the values and gradient of tf.relu, dy passed where the output is positive', async (m, n) => {
    await tf.setBackend(backend);
    const rnd = uniform(m + n);
    const xs = Float32Array.from({ length: m * n }, (_, i) => (i % 9 === 0 ? 0 : rnd() - 0.5));
    const dys = Float32Array.from({ length: m * n }, () => rnd() - 0.5);
    const x = tf.tensor2d(xs, [m, n]);
    const dy = tf.tensor2d(dys, [m, n]);
    const [ours, theirs] = [relu, tf.relu].map((f) => tf.grad((t: tf.Tensor) => f(t))(x, dy).dataSync());
    expect(Array.from(relu(x).dataSync())).toEqual(Array.from(tf.relu(x).dataSync()));
    // equal up to the sign of zero (tfjs's dy · 0 is −0 where dy < 0)
    const unsigned = (v: Float32Array | Int32Array | Uint8Array) => Array.from(v, (e) => e + 0);
    expect(unsigned(ours as Float32Array)).toEqual(unsigned(theirs as Float32Array));
    // by the definition
    const g = reluGrad(dy, tf.relu(x)).dataSync();
    xs.forEach((v, i) => expect(g[i]).toBe(v > 0 ? dys[i] : 0));
  });
});
