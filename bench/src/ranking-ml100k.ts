/**
 * Ranking quality on MovieLens-100K `u.data` (not a test: the data cannot be committed). Every rating is
 * an implicit positive; per user the latest interaction (by timestamp) is held out and ranked against 99
 * sampled unseen items (He et al. 2017, NCF protocol); reports HR@10, NDCG@10, MAP@10 for the model and
 * for the popularity ranking.
 *
 *   pnpm --filter @fm/bench ranking [--dir ../shared/data/ml-100k] [--model fm|mf] [--task ranking|binary] [--dim 64]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { NegativeSampler, encodeInteractions, leaveLastOut, selectInteractions } from '@fm/data';
import { loadMovieLens } from '@fm/data/node';
import { createModel, type ModelConfig, type ModelKind } from '@fm/layers';
import { fit, rankingScorer, selectBackend, type FitOptions } from '@fm/train';
import { evaluateSampled, popularityScorer } from '@fm/eval';
import { resolveUserItemFields } from '@fm/data';
import { benchArgs } from './bench-args.js';

export interface RankingQualityResult {
  model: string;
  task: string;
  dim: number;
  backend: string;
  epochs: number;
  engine: string;
  examplesPerSecond: number;
  metrics: Record<string, number>;
  popularity: Record<string, number>;
  testUsers: number;
  wallSeconds: number;
}

export async function runRankingMl100k(opts: {
  dir: string;
  model?: ModelKind;
  task?: 'ranking' | 'binary';
  dim?: number;
  fit?: FitOptions;
  seed?: number;
  /** `ModelConfig` fields over the defaults (e.g. `{ crossRank: 64 }`). */
  config?: Partial<ModelConfig>;
  /**
   * Validation instead of test: the latest interaction of every user is left out altogether, the model trains on
   * the rest less each user's second-latest, which is ranked instead (for choosing defaults without the test).
   */
  validation?: boolean;
}): Promise<RankingQualityResult> {
  const t0 = performance.now();
  const backend = await selectBackend('auto');
  const seed = opts.seed ?? 2024;
  const all = await loadMovieLens(join(opts.dir, 'u.data'), { items: false, users: false });
  const x = all.interactions;
  const split = leaveLastOut(x.user, x.timestamp, { seed });
  let train = selectInteractions(x, split.train);
  let test = selectInteractions(x, split.test);
  if (opts.validation) {
    const inner = leaveLastOut(train.user, train.timestamp, { seed });
    test = selectInteractions(train, inner.test);
    train = selectInteractions(train, inner.train);
  }
  // The vocabularies cover the whole catalogue (ids only: no rating or time of a test row is used), so
  // every candidate item has its own id even when nobody rated it in training.
  const { encoder } = encodeInteractions(x);
  const { dataset } = encodeInteractions(train, { encoder });
  dataset.labels.fill(1);
  const schema = encoder.schema;
  const userOffset = schema.offsets[0] as number;
  const itemOffset = schema.offsets[1] as number;
  const numItems = schema.fields[1]?.cardinality as number;
  const localItem = (raw: number) => encoder.encode('item', raw) - itemOffset;
  const localUser = (raw: number) => encoder.encode('user', raw) - userOffset;

  // Fixed candidate lists: 99 items each test user never interacted with (train or test).
  const catalogue = Int32Array.from(new Set(x.item));
  const sampler = new NegativeSampler({ user: x.user, item: x.item }, catalogue);
  const negatives = sampler.sampleForEvaluation(test.user, 99, seed);
  const candidates = new Map<number, Int32Array>();
  for (const [u, items] of negatives) candidates.set(localUser(u), items.map(localItem));
  const testPairs = { user: test.user.map(localUser), item: test.item.map(localItem) };

  const kind = opts.model ?? 'fm';
  const dim = opts.dim ?? 64;
  const task = opts.task ?? 'ranking';
  const model = createModel(kind, { fieldDims: schema.fieldDims, embeddingDim: dim, seed: 1, ...opts.config });
  const fitOpts: FitOptions =
    task === 'ranking'
      ? { task: 'ranking', negatives: { itemField: 'item' }, ...opts.fit }
      : { task: 'binary', negatives: { itemField: 'item' }, negativesPerPositive: 4, ...opts.fit };
  const result = await fit(model, dataset, {
    ...fitOpts,
    callbacks: {
      onEpochEnd: (e) => {
        process.stderr.write(`epoch ${e.epoch} loss ${e.loss.toFixed(4)} val ${JSON.stringify(e.valMetrics ?? {})} ${Math.round(e.examplesPerSecond)} ex/s\n`);
      },
    },
  });
  const scorer = rankingScorer(model, { fields: resolveUserItemFields(schema) });
  const ev = await evaluateSampled(scorer, testPairs, candidates, { ks: [10], metrics: ['hr', 'ndcg', 'map'] });
  const trainItems = dataset.columns.item ? Int32Array.from(dataset.columns.item, localItem) : new Int32Array();
  const pop = await evaluateSampled(popularityScorer(trainItems, numItems), testPairs, candidates, { ks: [10], metrics: ['hr', 'ndcg', 'map'] });
  model.dispose();
  return {
    model: kind,
    task,
    dim,
    backend: backend.backend,
    epochs: result.epochs,
    engine: `${result.engine} (${result.engineReason})`,
    examplesPerSecond: result.examplesPerSecond,
    metrics: ev.metrics,
    popularity: pop.metrics,
    testUsers: ev.count,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

async function main(): Promise<void> {
  const { values } = benchArgs(import.meta.url, {
    options: {
      dir: { type: 'string' },
      model: { type: 'string' },
      task: { type: 'string' },
      dim: { type: 'string' },
      lr: { type: 'string' },
      l2: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      optimizer: { type: 'string' },
      engine: { type: 'string' },
    },
  });
  const dir = resolve(values.dir ?? join(import.meta.dirname, '../../../shared/data/ml-100k'));
  if (!existsSync(join(dir, 'u.data'))) {
    console.error(`ranking: ${join(dir, 'u.data')} not found (pass --dir to the MovieLens-100K folder)`);
    process.exit(1);
  }
  const fitOpts: FitOptions = {};
  if (values.lr) fitOpts.learningRate = Number(values.lr);
  if (values.l2) fitOpts.l2 = Number(values.l2);
  if (values.epochs) fitOpts.epochs = Number(values.epochs);
  if (values.batch) fitOpts.batchSize = Number(values.batch);
  if (values.optimizer) fitOpts.optimizer = values.optimizer as FitOptions['optimizer'] & string;
  if (values.engine) fitOpts.engine = values.engine as FitOptions['engine'] & string;
  const r = await runRankingMl100k({
    dir,
    model: (values.model ?? 'fm') as ModelKind,
    task: (values.task ?? 'ranking') as 'ranking' | 'binary',
    dim: values.dim ? Number(values.dim) : undefined,
    fit: fitOpts,
  });
  console.log(JSON.stringify(r, null, 2));
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
