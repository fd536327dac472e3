import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { plainMatMul, transposeLast } from './fast-ops.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('plainMatMul on %s', (backend) => {
  it.each([
    ['2-D', [5, 4], [4, 3]],
    ['batched', [2, 5, 4], [2, 4, 3]],
  ])('%s: value and gradients equal tf.matMul and its own gradient', async (_, aShape, bShape) => {
    await tf.setBackend(backend);
    const a = tf.randomNormal(aShape as number[], 0, 1, 'float32', 1);
    const b = tf.randomNormal(bShape as number[], 0, 1, 'float32', 2);
    const w = tf.randomNormal([...(aShape as number[]).slice(0, -1), (bShape as number[])[bShape.length - 1] as number], 0, 1, 'float32', 3);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(plainMatMul(x, y), w)))([a, b]);
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D), w)))([a, b]);
    const close = (p: tf.Tensor, q: tf.Tensor) => Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(q.dataSync()[i] as number, 4));
    close(plainMatMul(a, b), tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D));
    close(ours[0] as tf.Tensor, theirs[0] as tf.Tensor);
    close(ours[1] as tf.Tensor, theirs[1] as tf.Tensor);
  });

  it('transposeLast swaps the last two axes', async () => {
    await tf.setBackend(backend);
    expect(transposeLast(tf.tensor3d([[[1, 2, 3], [4, 5, 6]]])).arraySync()).toEqual([[[1, 4], [2, 5], [3, 6]]]);
  });
});
