import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { accuracy, auc, logLoss, logLossFromLogits, mae, r2, rmse } from './index.js';

describe('regression metrics', () => {
  // predictions [1, 2, 3], targets [1, 3, 5]: errors 0, −1, −2; squared 0, 1, 4.
  const p = [1, 2, 3];
  const y = Float32Array.from([1, 3, 5]);
  it('rmse = √((0 + 1 + 4) / 3)', () => expect(rmse(p, y)).toBeCloseTo(Math.sqrt(5 / 3), 12));
  it('mae = (0 + 1 + 2) / 3 = 1', () => expect(mae(p, y)).toBeCloseTo(1, 12));
  it('r2 = 1 − SS_res/SS_tot = 1 − 5/8 (ȳ = 3, SS_tot = 4 + 0 + 4)', () => expect(r2(p, y)).toBeCloseTo(0.375, 12));
  it('r2 of a perfect fit is 1 and of the mean is 0', () => {
    expect(r2(y, y)).toBe(1);
    expect(r2([3, 3, 3], y)).toBeCloseTo(0, 12);
  });
  it('rejects mismatched lengths, empty input, NaN and constant targets with clear errors', () => {
    expect(() => rmse([1, 2], [1])).toThrow(/rmse: predictions has 2 entries but targets has 1/);
    expect(() => mae([], [])).toThrow(/empty/);
    expect(() => rmse([1, Number.NaN], [1, 2])).toThrow(/predictions\[1\] is NaN/);
    expect(() => r2([1, 2], [4, 4])).toThrow(/all 2 targets equal 4/);
  });
});

/** AUC by brute force: over all (positive, negative) pairs, 1 when the positive scores higher, ½ on a tie. */
function bruteAuc(s: ArrayLike<number>, y: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      num += (s[i] as number) > (s[j] as number) ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / pairs;
}

describe('auc', () => {
  it('matches hand-counted pairs', () => {
    // positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4; lost 0.35<0.4 → 3/4
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // positives 2, 3; negatives 1, 2: 2>1 (1), 2=2 (½), 3>1 (1), 3>2 (1) → 3.5/4
    expect(auc([1, 2, 2, 3], [0, 1, 0, 1])).toBeCloseTo(0.875, 12);
    // all tied → every pair ½
    expect(auc([5, 5, 5, 5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
  });
  it('equals the O(n²) pair count on random data with many ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(60);
      const s = Float32Array.from({ length: n }, () => rng.int(6));
      const y = Float32Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.int(2)));
      expect(auc(s, y)).toBeCloseTo(bruteAuc(s, y), 12);
    }
  });
  it('rejects one-class input and non-binary labels', () => {
    expect(() => auc([1, 2], [1, 1])).toThrow(/2 positives and 0 negatives/);
    expect(() => auc([1, 2], [0, 0.5])).toThrow(/labels\[1\] is 0.5, expected 0 or 1/);
  });
});

describe('log loss', () => {
  it('matches −mean(y ln p + (1−y) ln(1−p))', () => {
    // p = 0.9 for y = 1 → −ln 0.9; p = 0.2 for y = 0 → −ln 0.8
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
  });
  it('clips certain mistakes at 1e-7: each costs −ln(1e-7) ≈ 16.118', () => {
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-7), 6);
  });
  it('from logits equals logLoss of σ(z) and stays exact for large |z|', () => {
    const z = [-3, -0.5, 0, 1.2, 4];
    const y = [0, 1, 1, 0, 1];
    const p = z.map((v) => 1 / (1 + Math.exp(-v)));
    expect(logLossFromLogits(z, y)).toBeCloseTo(logLoss(p, y), 10);
    // z = 100, y = 0: loss = softplus(100) = 100 + ln(1 + e^−100) ≈ 100 (no clipping at 16.1)
    expect(logLossFromLogits([100], [0])).toBeCloseTo(100, 10);
    expect(logLossFromLogits([100], [1])).toBeCloseTo(0, 10);
  });
  it('rejects probabilities outside [0, 1]', () => {
    expect(() => logLoss([1.5], [1])).toThrow(/probabilities\[0\] is 1.5/);
  });
});

describe('accuracy', () => {
  it('thresholds at 0.5 by default, or at a given value', () => {
    // predictions [0, 1, 1, 0] vs labels [0, 1, 0, 1] → 2 of 4 correct
    expect(accuracy([0.2, 0.5, 0.7, 0.4], [0, 1, 0, 1])).toBe(0.5);
    // logits with threshold 0: predictions [0, 1, 1] vs [0, 1, 1] → 3 of 3
    expect(accuracy([-2, 0.1, 3], [0, 1, 1], 0)).toBe(1);
  });
});
