import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { denseLayer, type DenseActivation } from './dense-layer.js';
import { maxAbsDiff, randomVariable, withoutKernels } from './test-utils/host-kernels.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** The same maths through tfjs's stock ops and their own gradients. */
function reference(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | undefined, activation: DenseActivation): tf.Tensor {
  const pre = bias === undefined ? tf.matMul(x, w) : tf.add(tf.matMul(x, w), bias);
  return activation === 'relu' ? tf.relu(pre) : pre;
}

describe.each(['cpu', 'wasm'])('denseLayer on %s', (backend) => {
  it.each([
    ['linear', false],
    ['linear', true],
    ['relu', true],
    ['relu', false],
  ] as const)('%s (bias %s): values and gradients equal tf.matMul + add + relu and their autodiff', async (activation, withBias) => {
    await tf.setBackend(backend);
    const x = randomVariable([37, 5], 20) as tf.Variable<tf.Rank.R2>;
    const w = randomVariable([5, 3], 21) as tf.Variable<tf.Rank.R2>;
    const b = randomVariable([3], 22, 0.5) as tf.Variable<tf.Rank.R1>;
    const bias = withBias ? b : undefined;
    const weights = tf.randomNormal([37, 3], 0, 1, 'float32', 23);
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(tf.sin(f()), weights)) as tf.Scalar;
    const vars = withBias ? [x, w, b] : [x, w];
    const got = tf.grads(loss(() => denseLayer(x, w, bias, activation)))(vars);
    const ref = tf.grads(loss(() => reference(x, w, bias, activation)))(vars);
    expect(maxAbsDiff(denseLayer(x, w, bias, activation), reference(x, w, bias, activation))).toBeLessThan(1e-5);
    got.forEach((g, i) => expect(maxAbsDiff(g, ref[i] as tf.Tensor)).toBeLessThan(1e-4));
    // the bias gradient without the column-sum kernel (webgl/webgpu path) agrees too
    if (withBias) {
      const composed = withoutKernels(['FmColumnSum'], () => tf.grads(loss(() => denseLayer(x, w, bias, activation)))(vars));
      expect(maxAbsDiff(composed[2] as tf.Tensor, ref[2] as tf.Tensor)).toBeLessThan(1e-4);
    }
  });

  it('rejects mismatched shapes', async () => {
    await tf.setBackend(backend);
    expect(() => denseLayer(tf.zeros([2, 3]), tf.zeros([4, 1]))).toThrow(/\[M, K\]/);
    expect(() => denseLayer(tf.zeros([2, 3]), tf.zeros([3, 2]), tf.zeros([3]))).toThrow(/bias must be \[2\]/);
  });
});
