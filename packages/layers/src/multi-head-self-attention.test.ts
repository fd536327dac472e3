import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { multiHeadSelfAttention } from './index.js';
import { gradientCheckFails, layerGradientChecks, matMulJs } from './test-utils/reference.js';

// the describe blocks below make tensors while collecting, before any hook: cpu from the start
await tf.setBackend('cpu');
afterAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * AutoInt's interacting layer for one example by loops: per head, α_{s,t} = softmax over unmasked t of
 * ⟨q_s, k_t⟩; out_s = ReLU(concat_h Σ_t α_{s,t} v_t + W_res e_s), zeroed for masked slots.
 */
function attentionByLoops(
  e: number[][],
  mask: boolean[],
  kernels: { q: number[][]; k: number[][]; v: number[][]; res?: number[][] },
  heads: number,
  dh: number,
): number[][] {
  const [q, k, v] = [matMulJs(e, kernels.q), matMulJs(e, kernels.k), matMulJs(e, kernels.v)];
  const res = kernels.res === undefined ? undefined : matMulJs(e, kernels.res);
  return e.map((_, s) => {
    const out: number[] = [];
    for (let h = 0; h < heads; h++) {
      const scores = e.map((__, t) => {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += (q[s]?.[h * dh + c] as number) * (k[t]?.[h * dh + c] as number);
        return dot;
      });
      const live = scores.map((x, t) => (mask[t] ? x : -Infinity));
      const max = Math.max(...live);
      const exps = live.map((x) => (x === -Infinity ? 0 : Math.exp(x - max)));
      const z = exps.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dh; c++) {
        let sum = 0;
        exps.forEach((x, t) => (sum += (x / z) * (v[t]?.[h * dh + c] as number)));
        out.push(sum);
      }
    }
    return out.map((x, c) => (mask[s] ? Math.max(0, x + (res?.[s]?.[c] ?? 0)) : 0));
  });
}

describe('MultiHeadSelfAttention', () => {
  const emb = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 1);
  // example 0: all slots live; example 1: slots 2 and 3 are padding
  const values = tf.tensor2d([[1, 0.5, 2, 1], [1, 1.5, 0, 0]]);

  it.each([[true], [false]])('matches a hand-written softmax loop with masked padding keys (residual %s)', (residual) => {
    const layer = multiHeadSelfAttention({ heads: 2, headDim: 2, residual, seed: 5 });
    const out = (layer.apply([emb, values]) as tf.Tensor).arraySync() as number[][][];
    const w = layer.getWeights().map((t) => t.arraySync()) as number[][][];
    expect(layer.weights.map((x) => x.name.split('/').pop())).toEqual(['query_kernel', 'key_kernel', 'value_kernel', ...(residual ? ['residual_kernel'] : [])]);
    const kernels = { q: w[0] as number[][], k: w[1] as number[][], v: w[2] as number[][], ...(residual ? { res: w[3] as number[][] } : {}) };
    const e = emb.arraySync() as number[][][];
    const x = values.arraySync();
    e.forEach((example, b) => {
      const ref = attentionByLoops(example, (x[b] as number[]).map((val) => val !== 0), kernels, 2, 2);
      ref.forEach((row, s) => row.forEach((val, c) => expect(out[b]?.[s]?.[c]).toBeCloseTo(val, 4)));
    });
  });

  it('without values, every slot attends to every slot', () => {
    const layer = multiHeadSelfAttention({ heads: 1, headDim: 3, seed: 6 });
    const out = (layer.apply(emb) as tf.Tensor).arraySync() as number[][][];
    const w = layer.getWeights().map((t) => t.arraySync()) as number[][][];
    const e = emb.arraySync() as number[][][];
    const kernels = { q: w[0] as number[][], k: w[1] as number[][], v: w[2] as number[][], res: w[3] as number[][] };
    e.forEach((example, b) =>
      attentionByLoops(example, [true, true, true, true], kernels, 1, 3).forEach((row, s) => row.forEach((val, c) => expect(out[b]?.[s]?.[c]).toBeCloseTo(val, 4))),
    );
  });

  it('gradients of every weight match finite differences', () => {
    const layer = multiHeadSelfAttention({ heads: 2, headDim: 2, seed: 7 });
    expect(gradientCheckFails(layerGradientChecks(layer, [emb, values]))).toEqual([]);
  });

  it.each(['cpu', 'wasm'])('values without padding (%s): the same output, and no masking ops run', async (backend) => {
    await tf.setBackend(backend);
    const e3 = tf.randomNormal([2, 4, 16], 0, 1, 'float32', 8);
    const dense = tf.tensor2d([[1, 0.5, 2, 1], [1, 1.5, -3, 2]]);
    // heads of 16 and 8: the SIMD kernels on wasm
    for (const [heads, headDim] of [[2, 16], [2, 8]] as const) {
      const layer = multiHeadSelfAttention({ heads, headDim, seed: 9 });
      const profile = await tf.profile(() => layer.apply([e3, dense]) as tf.Tensor);
      const out = (layer.apply([e3, dense]) as tf.Tensor).arraySync() as number[][][];
      expect(profile.kernels.map((k) => k.name)).not.toContain('NotEqual');
      const w = layer.getWeights().map((t) => t.arraySync()) as number[][][];
      const kernels = { q: w[0] as number[][], k: w[1] as number[][], v: w[2] as number[][], res: w[3] as number[][] };
      (e3.arraySync() as number[][][]).forEach((example, b) =>
        attentionByLoops(example, [true, true, true, true], kernels, heads, headDim).forEach((row, s) => row.forEach((val, c) => expect(out[b]?.[s]?.[c]).toBeCloseTo(val, 4))),
      );
    }
    // with padding the mask is built (and the padded example's output is checked by the first test)
    const padded = await tf.profile(() => multiHeadSelfAttention({ heads: 2, headDim: 8, seed: 9 }).apply([e3, values]) as tf.Tensor);
    expect(padded.kernels.map((k) => k.name)).toContain('NotEqual');
    // values held in a variable: a later assign with padding is seen (the check is per data, not per tensor)
    const held = tf.variable(dense);
    const layer = multiHeadSelfAttention({ heads: 2, headDim: 8, seed: 9 });
    expect((await tf.profile(() => layer.apply([e3, held]) as tf.Tensor)).kernels.map((k) => k.name)).not.toContain('NotEqual');
    held.assign(tf.tensor2d([[1, 0.5, 2, 0], [1, 1.5, -3, 2]]));
    const out = layer.apply([e3, held]) as tf.Tensor;
    expect((out.arraySync() as number[][][])[0]?.[3]?.every((x) => x === 0)).toBe(true);
    await tf.setBackend('cpu');
  });

  it('rejects bad options', () => {
    expect(() => multiHeadSelfAttention({ headDim: 0 })).toThrow(/headDim/);
    expect(() => multiHeadSelfAttention({ headDim: 2, heads: 1.5 })).toThrow(/heads/);
  });
});
