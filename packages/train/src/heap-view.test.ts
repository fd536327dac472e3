import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmHeap, withSharedIdentity } from './heap-view.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('withSharedIdentity (wasm)', () => {
  it('shares storage inside, copies again outside (stock kernel restored, also after a throw)', () => {
    const heap = wasmHeap();
    expect(heap).toBeDefined();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const inside = withSharedIdentity(() => tf.clone(x));
    expect(inside.dataId).toBe(x.dataId);
    expect(heap!.refCount(x.dataId)).toBe(2);
    expect(Array.from(inside.dataSync())).toEqual([1, 2, 3, 4]);
    inside.dispose();
    expect(heap!.refCount(x.dataId)).toBe(1);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(() => withSharedIdentity(() => { throw new Error('boom'); })).toThrow('boom');
    const outside = tf.clone(x);
    expect(outside.dataId).not.toBe(x.dataId);
    tf.dispose([x, outside]);
  });

  it('leaves gradients and memory unchanged: the same values as the stock kernel, no tensor left behind', () => {
    const a = tf.tensor2d([0.5, -1, 2, 0.25, 1.5, -0.75], [3, 2]);
    const w = tf.variable(tf.tensor2d([0.3, -0.2, 0.1, 0.4, -0.6, 0.2], [2, 3]));
    // products, a nonlinearity and a reduction: every op saves tensors for the backward pass
    const loss = () => tf.sum(tf.mul(tf.sigmoid(tf.matMul(a, w)), tf.matMul(a, w)));
    const run = () => tf.engine().gradients(loss, [w as tf.Tensor]);
    const before = tf.memory().numTensors;
    const stock = run();
    const shared = withSharedIdentity(run);
    expect(Array.from(shared.grads[0]!.dataSync())).toEqual(Array.from(stock.grads[0]!.dataSync()));
    expect(shared.value.dataSync()[0]).toBe(stock.value.dataSync()[0]);
    tf.dispose([stock.value, shared.value, ...stock.grads, ...shared.grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, w]);
  });

  it('saves the tape\'s tensors without a kernel each, and puts the engine\'s own method back (also after a throw)', async () => {
    const engine = tf.engine() as unknown as Record<string, unknown>;
    const own = () => Object.prototype.hasOwnProperty.call(engine, 'clone');
    const a = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    const w = tf.variable(tf.tensor2d([0.3, -0.2, 0.1, 0.4], [2, 2]));
    // an op's saves and a custom gradient's saves (tf.customGrad)
    const square = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, tf.mul(2, s as tf.Tensor)) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const run = () => tf.engine().gradients(() => tf.sum(square(tf.sigmoid(tf.matMul(a, w)))), [w as tf.Tensor]);
    // the stock path clones each saved tensor through Identity; inside, no Identity kernel runs
    const kernels = async (f: () => { value: tf.Tensor; grads: tf.Tensor[] }) =>
      (await tf.profile(() => { const r = f(); tf.dispose([r.value, ...r.grads]); })).kernels.map((k) => k.name);
    expect(await kernels(run)).toContain('Identity');
    expect(await kernels(() => withSharedIdentity(run))).not.toContain('Identity');
    // and the gradient is the same: ∂/∂w Σ σ(aw)² = aᵀ (2σ·σ(1 − σ))
    const expected = tf.tidy(() => {
      const s = tf.sigmoid(tf.matMul(a, w));
      return tf.matMul(a, tf.mul(tf.mul(2, s), tf.mul(s, tf.sub(1, s))), true, false).arraySync();
    });
    const shared = withSharedIdentity(run);
    const got = shared.grads[0]!.arraySync() as number[][];
    got.forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo((expected as number[][])[i]![j]!, 6)));
    tf.dispose([shared.value, ...shared.grads]);
    expect(own()).toBe(false);
    expect(() => withSharedIdentity(() => { throw new Error('boom'); })).toThrow('boom');
    expect(own()).toBe(false);
    tf.dispose([a, w]);
  });
});
