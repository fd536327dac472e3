import * as tf from '@tensorflow/tfjs';
import { predict } from '@fm/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogItemFactors, recommendationsFor, similarTo } from './explore.js';
import { runSession, summarize, validateConfig, type SessionConfig, type SessionResult } from './session.js';

const CONFIG: SessionConfig = {
  data: { kind: 'synthetic', users: 60, items: 40, density: 0.3, rank: 3, noise: 0.1, seed: 3 },
  model: 'fm',
  embeddingDim: 4,
  optimizer: 'adam',
  learningRate: 0.02,
  epochs: 4,
  batchSize: 64,
  seed: 11,
};

describe('runSession (Node, cpu backend)', () => {
  let result: SessionResult;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    result = await runSession(CONFIG);
  });
  afterAll(() => result?.model.dispose());

  it('trains: the loss goes down and test RMSE beats predicting the training mean', () => {
    const h = result.history;
    expect(h.length).toBe(CONFIG.epochs);
    expect(h.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect((h[h.length - 1] as { loss: number }).loss).toBeLessThan((h[0] as { loss: number }).loss);
    expect(h.every((e) => e.valLoss !== undefined && Number.isFinite(e.valLoss))).toBe(true);
    // Baseline computed here, independently: RMSE of the constant train-mean prediction on the test rows.
    const { train, test } = result.prepared;
    const mean = train.labels.reduce((a, b) => a + b, 0) / train.numRows;
    const baseline = Math.sqrt(test.labels.reduce((a, y) => a + (y - mean) ** 2, 0) / test.numRows);
    expect(result.metrics.rmse).toBeLessThan(baseline);
    expect(result.metrics.trainRows + result.metrics.testRows).toBe(result.prepared.dataset.numRows);
  });

  it("reports RMSE/MAE equal to a brute-force computation over the model predictions, clipped to the training ratings' range", async () => {
    const raw = await predict(result.model, result.prepared.test);
    const train = Array.from(result.prepared.train.labels);
    const lo = Math.min(...train);
    const hi = Math.max(...train);
    const scores = Array.from(raw, (s) => Math.fround(Math.min(hi, Math.max(lo, s))));
    const y = result.prepared.test.labels;
    let se = 0;
    let ae = 0;
    for (let i = 0; i < y.length; i++) {
      se += ((scores[i] as number) - (y[i] as number)) ** 2;
      ae += Math.abs((scores[i] as number) - (y[i] as number));
    }
    expect(result.metrics.rmse).toBeCloseTo(Math.sqrt(se / y.length), 5);
    expect(result.metrics.mae).toBeCloseTo(ae / y.length, 5);
  });

  it('reports sampled ranking metrics in [0, 1] with HR@10 ≥ NDCG@10 ≥ 0', () => {
    const m = result.metrics;
    expect(m.negatives).toBeGreaterThan(0);
    expect(m.negatives).toBeLessThanOrEqual(99);
    expect(m.rankedCases).toBeGreaterThan(0);
    for (const v of [m.hr10, m.ndcg10, m.map10]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(m.hr10 as number).toBeGreaterThanOrEqual(m.ndcg10 as number);
  });

  it('is deterministic for a seed on a backend: a second run gives the same metrics', async () => {
    const again = await runSession(CONFIG);
    try {
      expect(summarize(CONFIG, again).metrics).toEqual(summarize(CONFIG, result).metrics);
      expect(again.history.map((h) => h.loss)).toEqual(result.history.map((h) => h.loss));
    } finally {
      again.model.dispose();
    }
  });

  it('recommends unseen items sorted by score, and predicts rated items like predict()', async () => {
    const c = result.prepared.catalog;
    expect(c).toBeDefined();
    if (!c) return;
    const user = 5;
    const r = await recommendationsFor(result.model, result.prepared, user, 10);
    expect(r.recommended.length).toBe(10);
    const seen = new Set(c.seen[user]);
    for (const x of r.recommended) expect(seen.has(x.item)).toBe(false);
    for (let i = 1; i < r.recommended.length; i++) {
      expect((r.recommended[i - 1] as { score: number }).score).toBeGreaterThanOrEqual((r.recommended[i] as { score: number }).score);
    }
    // Rated rows: the user's rows of the dataset; their predictions equal predict() on those rows.
    const rows: number[] = [];
    for (let i = 0; i < c.rowUser.length; i++) if (c.rowUser[i] === user) rows.push(i);
    expect(r.rated.length).toBe(rows.length);
    const direct = await predict(result.model, result.prepared.dataset.select(rows));
    const byItem = new Map(rows.map((row, j) => [c.rowItem[row] as number, direct[j] as number]));
    for (const x of r.rated) expect(x.predicted).toBeCloseTo(byItem.get(x.item) as number, 4);
    // The best unseen item scores at least as high as any unseen item (brute force over all items).
    const all = tf.tidy(() => result.model.predict([
      tf.tensor2d(Array.from({ length: c.numItems }, (_, i) => [c.userIds[user] as number, c.itemIds[i] as number]), [c.numItems, 2], 'int32'),
      tf.ones([c.numItems, 2]),
    ]) as tf.Tensor);
    const s = (await all.data()) as Float32Array;
    all.dispose();
    let best = -Infinity;
    for (let i = 0; i < c.numItems; i++) if (!seen.has(i)) best = Math.max(best, s[i] as number);
    expect((r.recommended[0] as { score: number }).score).toBeCloseTo(best, 4);
  });

  it('finds similar items by cosine, matching a brute-force sort over the item factors', async () => {
    const item = 2;
    const sim = await similarTo(result.model, result.prepared, item, 5);
    const f = catalogItemFactors(result.model, result.prepared);
    const [n, k] = f.shape;
    const v = (await f.data()) as Float32Array;
    f.dispose();
    const row = (i: number): number[] => Array.from(v.subarray(i * k, (i + 1) * k));
    const cos = (a: number[], b: number[]): number => {
      const dot = a.reduce((s, x, j) => s + x * (b[j] as number), 0);
      return dot / (Math.hypot(...a) * Math.hypot(...b));
    };
    const brute = Array.from({ length: n }, (_, i) => ({ i, c: cos(row(i), row(item)) }))
      .filter((x) => x.i !== item)
      .sort((a, b) => b.c - a.c)
      .slice(0, 5);
    expect(sim.map((x) => x.item)).toEqual(brute.map((x) => x.i));
    sim.forEach((x, j) => expect(x.score).toBeCloseTo((brute[j] as { c: number }).c, 4));
  });
});

describe('runSession on the FM paper toy table', () => {
  it('fits the 7 ratings (train = test) far better than the mean', async () => {
    await tf.setBackend('cpu');
    const r = await runSession({ data: { kind: 'toy' }, model: 'fm', embeddingDim: 2, optimizer: 'adam', learningRate: 0.05, epochs: 150, batchSize: 7, seed: 1 });
    try {
      // Ratings 5,3,1,4,5,1,5: mean 24/7, RMSE of the mean = sqrt(Σ(y-24/7)²/7) ≈ 1.59.
      expect(r.prepared.dataset.numRows).toBe(7);
      expect(r.metrics.rmse).toBeLessThan(0.5);
      expect(r.metrics.hr10 ?? r.metrics.rankingNote).toBeDefined();
    } finally {
      r.model.dispose();
    }
  });
});

describe('validateConfig', () => {
  it('names the bad field', () => {
    expect(() => validateConfig({ ...CONFIG, epochs: 0 })).toThrow(/epochs must be an integer in \[1, 10000\], got 0/);
    expect(() => validateConfig({ ...CONFIG, learningRate: -1 })).toThrow(/learning rate/);
    expect(() => validateConfig({ ...CONFIG, embeddingDim: 2.5 })).toThrow(/dimension/);
    expect(() => validateConfig({ ...CONFIG, testFraction: 1 })).toThrow(/test fraction/);
  });
});
