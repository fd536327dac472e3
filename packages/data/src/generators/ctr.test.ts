import { describe, expect, it } from 'vitest';
import { generateCtr, type PlantedCtrModel } from './ctr.js';

function entropy(p: number): number {
  return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
}

/** Brute-force O(F²k) pair term: FM <v_j, v_k>, or FFM <v_{j,f_k}, v_{k,f_j}> with explicit v_{j,g}. */
function bruteForcePair(p: PlantedCtrModel, ids: number[]): number {
  const k = p.rank;
  const vec = (j: number, g: number): number[] =>
    Array.from({ length: k }, (_, r) =>
      p.model === 'fm'
        ? p.factors[ids[j]! * k + r]!
        : p.factors[ids[j]! * k + r]! * p.fieldScale![g * k + r]! + p.factors2![ids[j]! * k + r]! * p.fieldScale2![g * k + r]!,
    );
  let s = 0;
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const va = vec(a, b); // the feature in slot f belongs to field f
      const vb = vec(b, a);
      for (let r = 0; r < k; r++) s += va[r]! * vb[r]!;
    }
  }
  return s;
}

describe('generateCtr', () => {
  for (const model of ['fm', 'ffm'] as const) {
    it(`${model}: CSR layout, Zipf-skewed fields, labels from the planted logit, bestLogLoss below the base-rate entropy`, () => {
      const F = 6;
      const g = generateCtr({ rows: 20000, fields: F, hashSize: 603, rank: 3, model, seed: 1 });
      const d = g.dataset;
      expect(d.numRows).toBe(20000);
      expect(d.schema.fieldDims).toEqual([101, 101, 101, 100, 100, 100]);
      expect(d.offsets[1]).toBe(F);
      expect(d.offsets[20000]).toBe(20000 * F);
      expect(() => d.validate()).not.toThrow();
      let bad = 0;
      for (let j = 0; j < d.nnz; j++) if (d.fields[j] !== j % F || d.schema.fieldOf(d.ids[j]!) !== j % F || d.values[j] !== 1) bad++;
      expect(bad).toBe(0);
      // Zipf: in field 0 the most frequent id takes about 1/ln(102) ≈ 15% of rows (P(rank 0) = ln 2 / ln 102).
      const counts = new Map<number, number>();
      for (let i = 0; i < d.numRows; i++) counts.set(d.ids[i * F]!, (counts.get(d.ids[i * F]!) ?? 0) + 1);
      const top = Math.max(...counts.values()) / d.numRows;
      expect(Math.abs(top - Math.log(2) / Math.log(102))).toBeLessThan(0.02);
      // The returned probabilities follow from the planted model (pair term brute-forced).
      const p = g.planted;
      for (const i of [0, 17, 999, 19999]) {
        const ids = Array.from(d.rowIds(i));
        const lin = ids.reduce((a, id) => a + p.linear[id]!, 0);
        const logit = p.bias + p.linearScale * lin + p.pairScale * bruteForcePair(p, ids);
        expect(g.probability[i]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 5);
      }
      // Labels are Bernoulli(probability): calibration by decile is within sampling noise.
      const order = Array.from({ length: d.numRows }, (_, i) => i).sort((a, b) => g.probability[a]! - g.probability[b]!);
      for (let q = 0; q < 10; q++) {
        const rows = order.slice(q * 2000, (q + 1) * 2000);
        const meanP = rows.reduce((a, r) => a + g.probability[r]!, 0) / rows.length;
        const meanY = rows.reduce((a, r) => a + d.labels[r]!, 0) / rows.length;
        expect(Math.abs(meanP - meanY)).toBeLessThan(0.04);
      }
      const positives = Array.from(d.labels).filter((y) => y === 1).length;
      expect(g.baseRate).toBe(positives / d.numRows);
      expect(Math.abs(g.baseRate - 0.25)).toBeLessThan(0.02);
      let ll = 0;
      for (let i = 0; i < d.numRows; i++) ll -= d.labels[i] ? Math.log(g.probability[i]!) : Math.log(1 - g.probability[i]!);
      expect(g.bestLogLoss).toBeCloseTo(ll / d.numRows, 4);
      expect(g.bestLogLoss).toBeLessThan(entropy(g.baseRate) - 0.05);
    });
  }

  it('is deterministic for a seed and different for another; signal 0 gives no information', () => {
    const a = generateCtr({ rows: 3000, fields: 4, hashSize: 200, seed: 8 });
    const b = generateCtr({ rows: 3000, fields: 4, hashSize: 200, seed: 8 });
    const c = generateCtr({ rows: 3000, fields: 4, hashSize: 200, seed: 9 });
    expect(b.dataset.ids).toEqual(a.dataset.ids);
    expect(b.dataset.labels).toEqual(a.dataset.labels);
    expect(c.dataset.ids).not.toEqual(a.dataset.ids);
    const flat = generateCtr({ rows: 20000, fields: 4, hashSize: 200, seed: 8, signal: 0 });
    expect(Math.abs(flat.bestLogLoss - entropy(0.25))).toBeLessThan(0.01);
  });

  it('shared: the same rows on SharedArrayBuffers (for Hogwild threads without a copy)', () => {
    const plain = generateCtr({ rows: 500, fields: 5, hashSize: 100, seed: 4 }).dataset;
    const shared = generateCtr({ rows: 500, fields: 5, hashSize: 100, seed: 4, shared: true }).dataset;
    for (const key of ['ids', 'values', 'labels', 'offsets', 'fields'] as const) {
      expect(plain[key].buffer instanceof SharedArrayBuffer, key).toBe(false);
      expect(shared[key].buffer instanceof SharedArrayBuffer, key).toBe(true);
      expect(Array.from(shared[key]), key).toEqual(Array.from(plain[key]));
    }
  });

  it('rejects bad options', () => {
    expect(() => generateCtr({ rows: 10, fields: 5, hashSize: 3 })).toThrow(/hashSize must be an integer ≥ fields = 5/);
    expect(() => generateCtr({ rows: 0 })).toThrow(/rows/);
    expect(() => generateCtr({ rows: 10, model: 'xx' as 'fm' })).toThrow(/fm \| ffm/);
  });
});
