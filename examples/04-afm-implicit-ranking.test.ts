// Example 4 — AFM (Xiao et al. 2017) on implicit feedback, trained with log loss and sampled
// negatives, evaluated leave-last-out against 99 sampled negatives per user (He et al. 2017):
// HR@10, NDCG@10 and MAP@10, compared with a popularity ranking (AFM must win by ≥ 0.03 HR@10).
import { encodeInteractions, generateImplicit, leaveLastOut, NegativeSampler } from '@fm/data';
import { evaluateSampled, modelScorer, popularityScorer } from '@fm/eval';
import { createModel } from '@fm/layers';
import { fit, selectBackend } from '@fm/train';
import { expect, it } from 'vitest';
import { printTable, userItemPairs } from './support.js';

it('AFM beats popularity on leave-last-out with 99 sampled negatives', async () => {
  const backend = await selectBackend('wasm');
  const gen = generateImplicit({ users: 300, items: 400, interactionsPerUser: 30, seed: 11 });
  const { dataset } = encodeInteractions(gen.interactions);
  const split = leaveLastOut(gen.interactions.user, gen.interactions.timestamp, { seed: 11 });
  const train = dataset.select(split.train);
  const test = dataset.select(split.test);
  const model = createModel('afm', { fieldDims: dataset.schema.fieldDims, embeddingDim: 16, attentionSize: 8, seed: 11 });
  const res = await fit(model, train, { task: 'binary', negativesPerPositive: 4, negatives: { itemField: 'item' }, epochs: 10, learningRate: 0.01, l2: { factors: 1e-5, linear: 1e-5 }, seed: 11 });

  const numItems = dataset.schema.fields[1]!.cardinality;
  const trainPairs = userItemPairs(train);
  const testPairs = userItemPairs(test);
  const all = userItemPairs(dataset);
  const catalogue = Int32Array.from({ length: numItems - 1 }, (_, i) => i + 1); // local 0 is the OOV bucket
  const candidates = new NegativeSampler(all, catalogue).sampleForEvaluation(Int32Array.from(new Set(testPairs.user)), 99, 11);
  const opts = { ks: [10], metrics: ['hr', 'ndcg', 'map'] as ('hr' | 'ndcg' | 'map')[] };
  const uo = dataset.schema.offsets[0] as number;
  const io = dataset.schema.offsets[1] as number;
  const afm = await evaluateSampled(modelScorer(model, { numItems, userId: (u) => uo + u, itemId: (i) => io + i }), testPairs, candidates, opts);
  const pop = await evaluateSampled(popularityScorer(trainPairs.item, numItems), testPairs, candidates, opts);
  console.log(`AFM on ${backend.backend}: ${res.epochs} epochs, ${Math.round(res.examplesPerSecond)} examples/s; ${afm.count} test users`);
  printTable(
    ['model', 'HR@10', 'NDCG@10', 'MAP@10'],
    [
      ['AFM', afm.metrics['hr@10']!, afm.metrics['ndcg@10']!, afm.metrics['map@10']!],
      ['popularity', pop.metrics['hr@10']!, pop.metrics['ndcg@10']!, pop.metrics['map@10']!],
    ],
  );
  model.dispose();
  // The planted affinities make personal taste learnable: AFM must beat popularity by a clear margin.
  expect(afm.metrics['hr@10']!).toBeGreaterThan(pop.metrics['hr@10']! + 0.03);
  expect(afm.metrics['ndcg@10']!).toBeGreaterThan(pop.metrics['ndcg@10']! + 0.02);
});
