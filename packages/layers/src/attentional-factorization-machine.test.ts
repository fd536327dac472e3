import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentionalFactorizationMachine, attentionalFactorizationMachine, pairIndices } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pairIndices', () => {
  it('lists every pair i < j once', () => {
    const { rows, cols } = pairIndices(4);
    expect(Array.from(rows)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(Array.from(cols)).toEqual([1, 2, 3, 2, 3, 3]);
  });
});

describe('AttentionalFactorizationMachine', () => {
  const k = 4;
  const emb = tf.randomNormal([3, 4, k], 0, 1, 'float32', 8);
  // row 0: all slots used; row 1: two used, two padding; row 2: one used (no valid pair)
  const values = tf.tensor2d([[1, 0.5, 2, 1], [1, 1.5, 0, 0], [2, 0, 0, 0]]);

  function built(): AttentionalFactorizationMachine {
    const layer = attentionalFactorizationMachine({ attentionSize: 5, seed: 3 });
    layer.apply([emb, values]);
    return layer;
  }

  it('attention weights sum to 1 per example over real pairs and padding pairs get 0', () => {
    const weights = built().attentionWeights(emb, values).arraySync();
    const { rows, cols } = pairIndices(4);
    const x = values.arraySync();
    weights.forEach((row, b) => {
      let total = 0;
      row.forEach((a, p) => {
        const valid = (x[b]?.[rows[p] as number] as number) * (x[b]?.[cols[p] as number] as number) !== 0;
        if (!valid) expect(a).toBe(0);
        else expect(a).toBeGreaterThan(0);
        total += a;
      });
      expect(total).toBeCloseTo(b === 2 ? 0 : 1, 5);
    });
  });

  it('output equals pᵀ Σ a_ij (v_i x_i ⊙ v_j x_j) recomputed in plain JS from the weights', () => {
    const layer = built();
    const out = (layer.apply([emb, values]) as tf.Tensor).dataSync();
    const a = layer.attentionWeights(emb, values).arraySync();
    const e = emb.arraySync() as number[][][];
    const x = values.arraySync();
    const p = (layer.getWeights()[3] as tf.Tensor).dataSync();
    expect(layer.weights[3]?.name.split('/').pop()).toBe('projection');
    const { rows, cols } = pairIndices(4);
    for (let b = 0; b < 3; b++) {
      let ref = 0;
      rows.forEach((i, q) => {
        const j = cols[q] as number;
        for (let c = 0; c < k; c++) {
          const prod = (e[b]?.[i]?.[c] as number) * (x[b]?.[i] as number) * (e[b]?.[j]?.[c] as number) * (x[b]?.[j] as number);
          ref += (a[b]?.[q] as number) * prod * (p[c] as number);
        }
      });
      expect(out[b]).toBeCloseTo(ref, 5);
    }
    expect(out[2]).toBe(0);
  });

  it('attention scores follow hᵀReLU(W e + b): a pair with a larger score gets more weight', () => {
    const layer = built();
    const [W, bias, h] = layer.getWeights().map((t) => t.arraySync()) as [number[][], number[], number[][]];
    const e = emb.arraySync() as number[][][];
    const x = values.arraySync();
    const { rows, cols } = pairIndices(4);
    const scores = Array.from(rows, (i, q) => {
      const j = cols[q] as number;
      const pair = Array.from({ length: k }, (_, c) => (e[0]?.[i]?.[c] as number) * (x[0]?.[i] as number) * (e[0]?.[j]?.[c] as number) * (x[0]?.[j] as number));
      let s = 0;
      for (let t = 0; t < 5; t++) {
        let hidden = bias[t] as number;
        for (let c = 0; c < k; c++) hidden += (pair[c] as number) * (W[c]?.[t] as number);
        s += Math.max(0, hidden) * (h[t]?.[0] as number);
      }
      return s;
    });
    const max = Math.max(...scores);
    const z = scores.reduce((acc, s) => acc + Math.exp(s - max), 0);
    const ref = scores.map((s) => Math.exp(s - max) / z);
    const got = layer.attentionWeights(emb, values).arraySync()[0] as number[];
    ref.forEach((r, q) => expect(got[q]).toBeCloseTo(r, 5));
  });

  it('applies dropout only in training', () => {
    const layer = attentionalFactorizationMachine({ attentionSize: 5, dropout: 0.5, seed: 3 });
    const inference = (layer.apply([emb, values]) as tf.Tensor).dataSync();
    const again = (layer.apply([emb, values]) as tf.Tensor).dataSync();
    expect(Array.from(inference)).toEqual(Array.from(again));
    const trainingRuns = Array.from({ length: 5 }, () => Array.from((layer.apply([emb, values], { training: true }) as tf.Tensor).dataSync()));
    expect(trainingRuns.some((run) => run[0] !== inference[0])).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => attentionalFactorizationMachine({ attentionSize: 0 })).toThrow(/attentionSize/);
    expect(() => attentionalFactorizationMachine({ attentionSize: 4, dropout: 1 })).toThrow(/dropout/);
  });
});
