import { Rng } from '@fm/data';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  evaluateSampled,
  factorScorer,
  hitRateAtK,
  ndcgAtK,
  popularityScorer,
  precisionAtK,
  rankByScore,
  recallAtK,
  reciprocalRank,
  type RankingScorer,
} from './index.js';
import { useBackend } from './test-utils/backend.js';
import { matrixScorer, randomTable } from './test-utils/matrix-scorer.js';

describe.each(['cpu', 'wasm'] as const)('evaluateSampled on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('ranks the positive among its negatives in a tiny factor model known by hand', async () => {
    // one user with factor [1]; item factors [5, 4, 3, 2, 1, 0] → score(0, i) = 5 − i
    const P = tf.tensor2d([[1]]);
    const Q = tf.tensor2d([[5], [4], [3], [2], [1], [0]]);
    const before = tf.memory().numTensors;
    // positive item 2 (score 3) against negatives 0, 1, 4, 5 (scores 5, 4, 1, 0) → rank 3
    const r = await evaluateSampled(factorScorer(P, Q), { user: Int32Array.of(0), item: Int32Array.of(2) }, new Map([[0, Int32Array.of(0, 1, 4, 5)]]), {
      ks: [2, 3],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.count).toBe(1);
    expect(r.metrics['hr@2']).toBe(0);
    expect(r.metrics['hr@3']).toBe(1);
    expect(r.metrics['ndcg@3']).toBeCloseTo(1 / Math.log2(4), 6); // 0.5
    expect(r.metrics['map@3']).toBeCloseTo(1 / 3, 6);
    expect(r.metrics['precision@3']).toBeCloseTo(1 / 3, 6);
    expect(r.metrics['recall@3']).toBe(1);
    expect(r.metrics.mrr).toBeCloseTo(1 / 3, 6);
    tf.dispose([P, Q]);
  });

  it('is pessimistic on ties: a constant scorer ranks every positive last', async () => {
    // popularity with no training data: every item scores 0 → positive ranks 1 + 4 = 5 of 5
    const r = await evaluateSampled(popularityScorer(new Int32Array(0), 10), { user: Int32Array.of(0, 1), item: Int32Array.of(3, 4) }, new Map([
      [0, Int32Array.of(0, 1, 2, 5)],
      [1, Int32Array.of(6, 7, 8, 9)],
    ]), { ks: [4, 5], metrics: ['hr', 'mrr'] });
    expect(r.metrics).toEqual({ 'hr@4': 0, 'hr@5': 1, mrr: 0.2 });
  });

  it('equals a brute-force JS ranking on random data with ties, through both scoring paths', async () => {
    const rng = new Rng(11);
    const numUsers = 13;
    const numItems = 40;
    const table = randomTable(rng, numUsers, numItems, 5); // scores 0..4: many ties
    // test pairs: 1–2 per user (several per user share the negatives); negatives: 10–15 distinct non-test items
    const users: number[] = [];
    const items: number[] = [];
    const candidates = new Map<number, Int32Array>();
    for (let u = 0; u < numUsers; u++) {
      const perm = rng.permutation(numItems);
      const nTest = 1 + rng.int(2);
      for (let j = 0; j < nTest; j++) {
        users.push(u);
        items.push(perm[j] as number);
      }
      candidates.set(u, perm.slice(nTest, nTest + 10 + rng.int(6)));
    }
    const test = { user: Int32Array.from(users), item: Int32Array.from(items) };
    const ks = [1, 3, 5, 10];
    // brute force: full sort of [positive, …negatives] by JS scores, pessimistic ties, per-user metric functions
    const expected: Record<string, number> = {};
    const add = (key: string, v: number) => (expected[key] = (expected[key] ?? 0) + v / users.length);
    users.forEach((u, j) => {
      const cand = [items[j] as number, ...(candidates.get(u) as Int32Array)];
      const ranked = rankByScore(cand, cand.map((i) => table[u]![i]!), [items[j] as number]);
      const rel = [items[j] as number];
      for (const k of ks) {
        add(`hr@${k}`, hitRateAtK(ranked, rel, k));
        add(`ndcg@${k}`, ndcgAtK(ranked, rel, k));
        add(`map@${k}`, averagePrecisionAtK(ranked, rel, k));
        add(`precision@${k}`, precisionAtK(ranked, rel, k));
        add(`recall@${k}`, recallAtK(ranked, rel, k));
      }
      add('mrr', reciprocalRank(ranked, rel));
    });
    const matrix = matrixScorer(table, numItems); // no scorePairs → user × union fallback
    const pairs: RankingScorer = {
      numItems,
      scoreMatrix: (u, i) => matrix.scoreMatrix(u, i),
      scorePairs: (u, i) => tf.tidy(() => tf.tensor1d(Float32Array.from(u, (uu, j) => table[uu]![i[j]!]!))),
    };
    const before = tf.memory().numTensors;
    // the matrix path with a tiny matrix budget cuts batches early (down to one case per batch)
    for (const [scorer, maxMatrixSize] of [[matrix, undefined], [matrix, 40], [pairs, undefined]] as const) {
      const r = await evaluateSampled(scorer, test, candidates, { ks, batchSize: 4, maxMatrixSize });
      expect(r.count).toBe(users.length);
      expect(Object.keys(r.metrics).sort()).toEqual(Object.keys(expected).sort());
      for (const key of Object.keys(expected)) expect(r.metrics[key], key).toBeCloseTo(expected[key] as number, 6);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports bad candidates and NaN scores clearly', async () => {
    const s = popularityScorer(Int32Array.of(0), 5);
    const test = { user: Int32Array.of(7), item: Int32Array.of(2) };
    await expect(evaluateSampled(s, test, new Map())).rejects.toThrow(/no candidate negatives for test user 7/);
    await expect(evaluateSampled(s, test, new Map([[7, Int32Array.of(1, 2)]]))).rejects.toThrow(/contain its test item 2/);
    await expect(evaluateSampled(s, test, new Map([[7, Int32Array.of(1, 1)]]))).rejects.toThrow(/list item 1 twice/);
    await expect(evaluateSampled(s, test, new Map([[7, Int32Array.of(9)]]))).rejects.toThrow(/entry 0 is 9/);
    const nan = matrixScorer([Float32Array.of(0, Number.NaN, 0)], 3);
    await expect(evaluateSampled(nan, { user: Int32Array.of(0), item: Int32Array.of(0) }, new Map([[0, Int32Array.of(1)]]))).rejects.toThrow(
      /non-finite score \(NaN or ±Infinity\) for user 0/,
    );
  });
});
