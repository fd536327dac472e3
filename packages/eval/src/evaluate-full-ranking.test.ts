import { Rng } from '@fm/data';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  evaluateFullRanking,
  factorScorer,
  hitRateAtK,
  ndcgAtK,
  precisionAtK,
  rankByScore,
  recallAtK,
  reciprocalRank,
  type Interactions,
} from './index.js';
import { useBackend } from './test-utils/backend.js';
import { matrixScorer, randomTable } from './test-utils/matrix-scorer.js';

const L = (i: number) => 1 / Math.log2(i + 1);
const pairs = (p: [number, number][]): Interactions => ({ user: Int32Array.from(p, (x) => x[0]), item: Int32Array.from(p, (x) => x[1]) });

/** Brute force: per user, sort every unseen item in JS (pessimistic ties) and average the per-user metrics. */
function bruteForce(table: readonly Float32Array[], numItems: number, test: Interactions, train: Interactions, ks: number[]): Record<string, number> {
  const rel = new Map<number, Set<number>>();
  test.user.forEach((u, j) => rel.set(u, (rel.get(u) ?? new Set()).add(test.item[j]!)));
  const out: Record<string, number> = {};
  const add = (key: string, v: number) => (out[key] = (out[key] ?? 0) + v / rel.size);
  for (const [u, r] of rel) {
    const seen = new Set<number>();
    train.user.forEach((tu, j) => tu === u && !r.has(train.item[j]!) && seen.add(train.item[j]!));
    const cand = Array.from({ length: numItems }, (_, i) => i).filter((i) => !seen.has(i));
    const ranked = rankByScore(cand, cand.map((i) => table[u]![i]!), r);
    for (const k of ks) {
      add(`hr@${k}`, hitRateAtK(ranked, r, k));
      add(`ndcg@${k}`, ndcgAtK(ranked, r, k));
      add(`map@${k}`, averagePrecisionAtK(ranked, r, k));
      add(`precision@${k}`, precisionAtK(ranked, r, k));
      add(`recall@${k}`, recallAtK(ranked, r, k));
    }
    add('mrr', reciprocalRank(ranked, r));
  }
  return out;
}

describe.each(['cpu', 'wasm'] as const)('evaluateFullRanking on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('masks training items in a tiny factor model known by hand', async () => {
    // user factor [1], item factors [5, 4, 3, 2, 1] → scores 5, 4, 3, 2, 1; item 0 is a training item.
    // Unmasked order: 1, 2, 3, 4; relevant {2, 4} → hits [0, 1, 0, 1].
    const P = tf.tensor2d([[1]]);
    const Q = tf.tensor2d([[5], [4], [3], [2], [1]]);
    const before = tf.memory().numTensors;
    const r = await evaluateFullRanking(factorScorer(P, Q), pairs([[0, 2], [0, 4]]), pairs([[0, 0]]), { ks: [2, 4] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.count).toBe(1);
    expect(r.metrics['hr@2']).toBe(1);
    expect(r.metrics['precision@2']).toBeCloseTo(1 / 2, 6);
    expect(r.metrics['recall@2']).toBeCloseTo(1 / 2, 6);
    expect(r.metrics['ndcg@2']).toBeCloseTo(L(2) / (L(1) + L(2)), 6);
    expect(r.metrics['map@2']).toBeCloseTo(0.5 / 2, 6); // P@2 / min(2, 2)
    expect(r.metrics['ndcg@4']).toBeCloseTo((L(2) + L(4)) / (L(1) + L(2)), 6);
    expect(r.metrics['map@4']).toBeCloseTo((1 / 2 + 2 / 4) / 2, 6);
    expect(r.metrics.mrr).toBeCloseTo(1 / 2, 6);
    tf.dispose([P, Q]);
  });

  it('is pessimistic on ties across the top-k boundary, whatever order tf.topk returns', async () => {
    // scores: item 0 → 3, items 1..4 → 1 (tied), item 5 → 0. Relevant {1}: tf.topk would put item 1
    // (lowest id) first among the ties; the pessimistic list is 0, 2, 3, 4, 1, 5 → rank 5.
    const s = matrixScorer([Float32Array.of(3, 1, 1, 1, 1, 0)], 6);
    const r = await evaluateFullRanking(s, pairs([[0, 1]]), pairs([]), { ks: [2, 4, 5], metrics: ['hr', 'ndcg', 'mrr'] });
    expect(r.metrics['hr@2']).toBe(0);
    expect(r.metrics['hr@4']).toBe(0);
    expect(r.metrics['hr@5']).toBe(1);
    expect(r.metrics['ndcg@5']).toBeCloseTo(L(5), 6);
    expect(r.metrics.mrr).toBeCloseTo(1 / 5, 6);
  });

  it('never ranks a training item: equals brute force over unseen items when seen items score highest', async () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 4; trial++) {
      const numUsers = 9;
      const numItems = 12 + rng.int(20);
      const table = randomTable(rng, numUsers, numItems, 4);
      const test: [number, number][] = [];
      const train: [number, number][] = [];
      for (let u = 0; u < numUsers; u++) {
        if (rng.int(4) === 0) continue; // some users have no test items: not evaluated
        const perm = rng.permutation(numItems);
        const nTest = 1 + rng.int(4);
        const nTrain = rng.int(numItems - nTest);
        for (let j = 0; j < nTest; j++) test.push([u, perm[j]!]);
        for (let j = nTest; j < nTest + nTrain; j++) {
          train.push([u, perm[j]!]);
          table[u]![perm[j]!] = 100; // a seen item would top every list if it were not masked
        }
      }
      const ks = [1, 3, 10, numItems + 5];
      const expected = bruteForce(table, numItems, pairs(test), pairs(train), ks);
      const before = tf.memory().numTensors;
      const r = await evaluateFullRanking(matrixScorer(table, numItems), pairs(test), pairs(train), { ks, batchSize: 3 });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.count).toBe(new Set(test.map((p) => p[0])).size);
      expect(Object.keys(r.metrics).sort()).toEqual(Object.keys(expected).sort());
      for (const key of Object.keys(expected)) expect(r.metrics[key], `trial ${trial} ${key}`).toBeCloseTo(expected[key] as number, 6);
    }
  });

  it('rejects train/test overlap unless allowed, and then keeps the item rankable', async () => {
    const s = matrixScorer([Float32Array.of(0, 5, 1)], 3);
    await expect(evaluateFullRanking(s, pairs([[0, 1]]), pairs([[0, 1], [0, 2]]))).rejects.toThrow(/user 0 has item 1 in both test and trainSeen/);
    // allowed: item 1 stays unmasked (score 5, first); item 2 masked
    const r = await evaluateFullRanking(s, pairs([[0, 1]]), pairs([[0, 1], [0, 2]]), { ks: [1], allowTrainTestOverlap: true, metrics: ['hr'] });
    expect(r.metrics['hr@1']).toBe(1);
  });

  it('rejects non-finite scores', async () => {
    const s = matrixScorer([Float32Array.of(0, Number.POSITIVE_INFINITY, 1)], 3);
    await expect(evaluateFullRanking(s, pairs([[0, 2]]), pairs([]))).rejects.toThrow(/1 non-finite scores \(NaN or ±Infinity\) for user 0/);
  });
});
