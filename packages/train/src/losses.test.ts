import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bprLoss, logLoss, mseLoss } from './losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const val = (t: tf.Tensor) => t.dataSync()[0] as number;

describe('losses', () => {
  it('match hand-computed values', () => {
    // mse: ((1−0)² + (2−4)²)/2 = 2.5
    expect(val(mseLoss(tf.tensor1d([1, 2]), tf.tensor1d([0, 4])))).toBeCloseTo(2.5, 6);
    // log loss: −(log σ(0) ) = log 2 for y = 1; x = 2, y = 0: log(1 + e²)
    const ll = (Math.log(2) + Math.log(1 + Math.exp(2))) / 2;
    expect(val(logLoss(tf.tensor1d([0, 2]), tf.tensor1d([1, 0])))).toBeCloseTo(ll, 5);
    // bpr: −log σ(3 − 1) = log(1 + e⁻²)
    expect(val(bprLoss(tf.tensor1d([3]), tf.tensor1d([1])))).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6);
  });

  it('log loss and BPR are stable for huge logits', () => {
    const big = val(logLoss(tf.tensor1d([1000, -1000]), tf.tensor1d([0, 1])));
    expect(big).toBeCloseTo(1000, 2);
    expect(val(logLoss(tf.tensor1d([1000, -1000]), tf.tensor1d([1, 0])))).toBeCloseTo(0, 6);
    expect(val(bprLoss(tf.tensor1d([-500]), tf.tensor1d([500])))).toBeCloseTo(1000, 2);
  });

  it('gradients agree with central finite differences', () => {
    const x0 = [0.3, -1.2, 2.5];
    const y = tf.tensor1d([1, 0, 0.3]);
    const neg = tf.tensor1d([0.1, 0.4, -2]);
    const fns: [string, (x: tf.Tensor) => tf.Scalar][] = [
      ['mse', (x) => mseLoss(x, y)],
      ['logloss', (x) => logLoss(x, y)],
      ['bpr', (x) => bprLoss(x, neg)],
    ];
    for (const [name, f] of fns) {
      const g = tf.grad(f)(tf.tensor1d(x0)).dataSync();
      const h = 1e-2;
      x0.forEach((_, i) => {
        const up = [...x0];
        const dn = [...x0];
        up[i]! += h;
        dn[i]! -= h;
        const fd = (val(f(tf.tensor1d(up))) - val(f(tf.tensor1d(dn)))) / (2 * h);
        expect(g[i], `${name}[${i}]`).toBeCloseTo(fd, 3);
      });
    }
  });
});
