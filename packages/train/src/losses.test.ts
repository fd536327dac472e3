import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.each(['cpu', 'wasm'])('the fused loss kernels on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // logits from −1000 to 1000, labels in [0, 1]
  const x = [-1000, -31, -4.5, -0.7, 0, 0.2, 1.9, 12, 45, 1000, 3.3, -2.2];
  const y = [0, 1, 0.25, 1, 0, 1, 0, 1, 0, 1, 0.5, 0.9];
  const neg = [3, -2, 0.5, 0.1, 40, -40, 1, 2, -3, 0, 1000, -1000];
  /** log(1 + eᶻ) and σ(z) in float64, from their definitions (stable forms). */
  const softplus64 = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
  const sigmoid64 = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

  /** The kernels that ran for `f` (so a test knows the fused kernel, not the composed ops, was measured). */
  async function kernelsOf(f: () => tf.Tensor): Promise<string[]> {
    const p = await tf.profile(() => f());
    return p.kernels.map((k) => k.name);
  }

  it('log loss: one kernel; value and ∂/∂x = (σ(x) − y)/B against float64 definitions', async () => {
    const f = (t: tf.Tensor) => logLoss(t, tf.tensor1d(y));
    expect(await kernelsOf(() => f(tf.tensor1d(x)))).toContain('FmLogLoss');
    // −[y log σ(x) + (1 − y) log(1 − σ(x))] = y·softplus(−x) + (1 − y)·softplus(x)
    expect(val(f(tf.tensor1d(x)))).toBeCloseTo(mean(x.map((xi, i) => (y[i] as number) * softplus64(-xi) + (1 - (y[i] as number)) * softplus64(xi))), 3);
    const g = tf.grad(f)(tf.tensor1d(x)).dataSync();
    x.forEach((xi, i) => expect(g[i]).toBeCloseTo((sigmoid64(xi) - (y[i] as number)) / x.length, 6));
  });

  it('½·MSE: value and ∂/∂p = 2(p − y)/B', async () => {
    const f = (t: tf.Tensor) => mseLoss(t, tf.tensor1d(y));
    const p = x.map((v) => v / 100);
    expect(await kernelsOf(() => f(tf.tensor1d(p)))).toContain('FmMeanSquaredError');
    expect(val(f(tf.tensor1d(p)))).toBeCloseTo(mean(p.map((pi, i) => (pi - (y[i] as number)) ** 2)), 5);
    const g = tf.grad(f)(tf.tensor1d(p)).dataSync();
    p.forEach((pi, i) => expect(g[i]).toBeCloseTo((2 * (pi - (y[i] as number))) / p.length, 6));
  });

  it('BPR: value and both gradients, ∂/∂n = σ(n − p)/B = −∂/∂p', async () => {
    expect(await kernelsOf(() => bprLoss(tf.tensor1d(x), tf.tensor1d(neg)))).toContain('FmBprLoss');
    expect(val(bprLoss(tf.tensor1d(x), tf.tensor1d(neg)))).toBeCloseTo(mean(x.map((p, i) => softplus64((neg[i] as number) - p))), 3);
    const [gp, gn] = tf.grads((p: tf.Tensor, n: tf.Tensor) => bprLoss(p, n))([tf.tensor1d(x), tf.tensor1d(neg)]).map((t) => t.dataSync());
    x.forEach((p, i) => {
      const s = sigmoid64((neg[i] as number) - p) / x.length;
      expect(gn?.[i]).toBeCloseTo(s, 6);
      expect(gp?.[i]).toBeCloseTo(-s, 6);
    });
  });

  it('a size mismatch is an error naming both sizes', () => {
    expect(() => logLoss(tf.tensor1d([1, 2]), tf.tensor1d([1]))).toThrow(/2 logits but 1 labels/);
    expect(() => bprLoss(tf.tensor1d([1, 2]), tf.tensor1d([1]))).toThrow(/2 positive but 1 negative/);
  });
});
