import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  hitRateAtK,
  ndcgAtK,
  precisionAtK,
  rankByScore,
  rankingMetrics,
  recallAtK,
  reciprocalRank,
} from './index.js';

const L = (i: number) => 1 / Math.log2(i + 1); // discount of 1-based position i

describe('per-user ranking metrics', () => {
  // ranked [5, 3, 9, 1, 7], relevant {3, 7, 8}: hits at positions 2 and 5; |rel| = 3.
  const ranked = [5, 3, 9, 1, 7];
  const rel = new Set([3, 7, 8]);
  it('hit rate', () => {
    expect(hitRateAtK(ranked, rel, 1)).toBe(0);
    expect(hitRateAtK(ranked, rel, 2)).toBe(1);
  });
  it('precision and recall', () => {
    expect(precisionAtK(ranked, rel, 5)).toBeCloseTo(2 / 5, 12);
    expect(precisionAtK(ranked, rel, 2)).toBeCloseTo(1 / 2, 12);
    expect(recallAtK(ranked, rel, 5)).toBeCloseTo(2 / 3, 12);
    // k beyond the list: misses count, denominator stays k
    expect(precisionAtK(ranked, rel, 10)).toBeCloseTo(2 / 10, 12);
  });
  it('ndcg: DCG = 1/log2(3) + 1/log2(6), ideal over min(3, 5) = 3 positions', () => {
    const dcg = L(2) + L(5);
    const idcg = L(1) + L(2) + L(3); // 1 + 0.6309 + 0.5
    expect(ndcgAtK(ranked, rel, 5)).toBeCloseTo(dcg / idcg, 12);
    // k = 2: DCG = 1/log2(3), ideal over min(3, 2) = 2 positions
    expect(ndcgAtK(ranked, rel, 2)).toBeCloseTo(L(2) / (L(1) + L(2)), 12);
  });
  it('average precision: (P@2 + P@5) / min(3, 5) = (1/2 + 2/5) / 3 = 0.3', () => {
    expect(averagePrecisionAtK(ranked, rel, 5)).toBeCloseTo(0.3, 12);
    // k = 2: P@2·1 / min(3, 2) = 0.5 / 2
    expect(averagePrecisionAtK(ranked, rel, 2)).toBeCloseTo(0.25, 12);
  });
  it('reciprocal rank of the first hit, over the whole list', () => {
    expect(reciprocalRank(ranked, rel)).toBe(0.5);
    expect(reciprocalRank([1, 2, 3], [9])).toBe(0);
  });
  it('a user with fewer relevant items than k can still score 1 on ndcg/AP', () => {
    // one relevant item, ranked first, k = 10
    expect(ndcgAtK([4, 1, 2], [4], 10)).toBe(1);
    expect(averagePrecisionAtK([4, 1, 2], [4], 10)).toBe(1);
    expect(precisionAtK([4, 1, 2], [4], 10)).toBeCloseTo(0.1, 12);
    expect(recallAtK([4, 1, 2], [4], 10)).toBe(1);
  });
  it('a user with more relevant items than k: AP@k and ndcg@k reach 1, recall cannot', () => {
    // top 3 all relevant, 5 relevant: AP@3 = (1 + 1 + 1)/min(5, 3) = 1; recall = 3/5
    expect(averagePrecisionAtK([1, 2, 3], [1, 2, 3, 4, 5], 3)).toBe(1);
    expect(ndcgAtK([1, 2, 3], [1, 2, 3, 4, 5], 3)).toBeCloseTo(1, 12);
    expect(recallAtK([1, 2, 3], [1, 2, 3, 4, 5], 3)).toBeCloseTo(0.6, 12);
  });
  it('an empty relevant set scores 0 on every metric', () => {
    for (const f of [hitRateAtK, ndcgAtK, averagePrecisionAtK, precisionAtK, recallAtK]) expect(f([1, 2], [], 2)).toBe(0);
    expect(reciprocalRank([1, 2], new Set())).toBe(0);
  });
  it('rejects repeated items and bad k', () => {
    expect(() => ndcgAtK([1, 2, 1], [1], 3)).toThrow(/item 1 twice \(positions 1 and 3\)/);
    expect(() => hitRateAtK([1], [1], 0)).toThrow(/k must be an integer ≥ 1, got 0/);
  });
});

describe('rankingMetrics', () => {
  it('averages over users and skips users with no relevant items', () => {
    // user 0: hits [1, 0] with |rel| = 1; user 1: hits [0, 1], |rel| = 2; user 2: no relevant items (skipped)
    const r = rankingMetrics([[1, 2], [3, 4], [5]], [[1], new Set([4, 9]), []], [2], ['hr', 'ndcg', 'map', 'precision', 'recall', 'mrr']);
    expect(r.users).toBe(2);
    expect(r.skipped).toBe(1);
    expect(r.metrics['hr@2']).toBe(1);
    // ndcg: user 0 = 1; user 1 = L(2) / (L(1) + L(2))
    expect(r.metrics['ndcg@2']).toBeCloseTo((1 + L(2) / (1 + L(2))) / 2, 12);
    // AP@2: user 0 = 1; user 1 = (1/2) / min(2, 2) = 0.25
    expect(r.metrics['map@2']).toBeCloseTo((1 + 0.25) / 2, 12);
    expect(r.metrics['precision@2']).toBeCloseTo((0.5 + 0.5) / 2, 12);
    expect(r.metrics['recall@2']).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(r.metrics.mrr).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(Object.keys(r.metrics).sort()).toEqual(['hr@2', 'map@2', 'mrr', 'ndcg@2', 'precision@2', 'recall@2']);
  });
  it('rejects unpaired inputs and unknown metric names', () => {
    expect(() => rankingMetrics([[1]], [], [1])).toThrow(/1 ranked lists but 0 relevant sets/);
    expect(() => rankingMetrics([[1]], [[1]], [1], ['auc' as never])).toThrow(/unknown metric "auc"/);
  });
});

describe('rankByScore', () => {
  it('sorts by score, ties pessimistic: a relevant item ranks after tied negatives', () => {
    // scores: 10 → 0.5, 11 → 0.9, 12 → 0.5, 13 → 0.5; item 10 relevant, tied with 12 and 13
    expect(Array.from(rankByScore([10, 11, 12, 13], [0.5, 0.9, 0.5, 0.5], [10]))).toEqual([11, 12, 13, 10]);
    // without relevance, ties go to the lower id
    expect(Array.from(rankByScore([13, 11, 12, 10], [0.5, 0.9, 0.5, 0.5]))).toEqual([11, 10, 12, 13]);
  });
  it('a constant scorer gets no credit', () => {
    const ranked = rankByScore([0, 1, 2, 3], [1, 1, 1, 1], [0]);
    expect(hitRateAtK(ranked, [0], 3)).toBe(0);
    expect(reciprocalRank(ranked, [0])).toBe(0.25);
  });
  it('rejects NaN scores', () => {
    expect(() => rankByScore([1, 2], [0, Number.NaN])).toThrow(/scores\[1\] \(item 2\) is NaN/);
  });
});
