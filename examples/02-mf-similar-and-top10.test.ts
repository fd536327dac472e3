// Example 2 — biased matrix factorization (Koren et al. 2009) on MovieLens-100K-shaped synthetic
// ratings: test RMSE against the global-mean baseline, items similar to a movie, and a user's
// top-10 unseen movies next to the ratings they gave.
import { encodeInteractions, generateRatings, leaveLastOut } from '@fm/data';
import { modelScorer, recommend, rmse, similarItems } from '@fm/eval';
import { createModel, itemFactors } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { expect, it } from 'vitest';
import { printTable, userItemPairs } from './support.js';

it('MF with biases: beats the mean, lists similar items and a top-10', async () => {
  const backend = await selectBackend('wasm');
  const gen = generateRatings({ seed: 3 }); // 943 users × 1,682 items, 6.3% density, planted rank 8
  const { dataset, encoder } = encodeInteractions(gen.interactions);
  const split = leaveLastOut(gen.interactions.user, gen.interactions.timestamp, { seed: 3 });
  const train = dataset.select(split.train);
  const test = dataset.select(split.test);
  const model = createModel('mf', { fieldDims: dataset.schema.fieldDims, embeddingDim: 16, seed: 3 });
  const result = await fit(model, train, { task: 'regression', epochs: 12, seed: 3 });
  const pred = await predict(model, test);
  const clipped = pred.map((p) => Math.min(5, Math.max(1, p)));
  const mean = train.labels.reduce((s, y) => s + y, 0) / train.numRows;
  const testRmse = rmse(clipped, test.labels);
  const baseline = rmse(new Float32Array(test.numRows).fill(mean), test.labels);
  console.log(`MF on ${backend.backend}: ${result.epochs} epochs, ${Math.round(result.examplesPerSecond)} examples/s`);
  console.log(`test RMSE ${testRmse.toFixed(4)} (global mean ${baseline.toFixed(4)}, planted best ${gen.bestRmse.toFixed(4)})`);

  const title = (raw: number) => gen.items.get(raw)?.title ?? String(raw);
  const itemOffset = dataset.schema.offsets[1] as number;
  const userOffset = dataset.schema.offsets[0] as number;
  const rawItem = (local: number) => Number(encoder.decode('item', itemOffset + local));

  // Items similar to the most rated movie, by cosine of the item factors.
  const counts = new Map<number, number>();
  for (const it of gen.interactions.item) counts.set(it, (counts.get(it) ?? 0) + 1);
  const popular = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const q = itemFactors(model);
  const sim = await similarItems(q, encoder.encode('item', popular) - itemOffset, 6, { metric: 'cosine' });
  q.dispose();
  const simList = Array.from(sim.items).filter((i) => i !== 0).slice(0, 5);
  console.log(`\nmovies most similar to "${title(popular)}":`);
  printTable(['item', 'title', 'cosine'], simList.map((i) => [rawItem(i), title(rawItem(i)), sim.scores[Array.from(sim.items).indexOf(i)] as number]));

  // A user's top-10 unseen movies next to what they rated.
  const pairs = userItemPairs(train);
  const user = encoder.encode('user', 1) - userOffset;
  const seen = new Set<number>([0]);
  const rated: [number, number][] = [];
  for (let r = 0; r < train.numRows; r++) {
    if (pairs.user[r] !== user) continue;
    seen.add(pairs.item[r] as number);
    rated.push([rawItem(pairs.item[r] as number), train.labels[r] as number]);
  }
  rated.sort((a, b) => b[1] - a[1]);
  const scorer = modelScorer(model, { numItems: dataset.schema.fields[1]!.cardinality, userId: (u) => userOffset + u, itemId: (i) => itemOffset + i });
  const top = await recommend(scorer, user, 10, { exclude: seen });
  console.log(`\nuser 1 rated ${rated.length} movies; the highest:`);
  printTable(['item', 'title', 'rating'], rated.slice(0, 5).map(([i, y]) => [i, title(i), y]));
  console.log('\ntop-10 unseen for user 1:');
  printTable(['item', 'title', 'predicted'], Array.from(top.items, (i, j) => [rawItem(i), title(rawItem(i)), top.scores[j] as number]));
  model.dispose();

  expect(testRmse).toBeLessThan(baseline - 0.05);
  expect(simList).toHaveLength(5);
  expect(simList).not.toContain(encoder.encode('item', popular) - itemOffset);
  expect(top.items).toHaveLength(10);
  for (const i of top.items) expect(seen.has(i)).toBe(false);
});
