import { join } from 'node:path';
import { encodeInteractions, generateRatings, leaveLastOut } from '@fm/data';
import { popularityScorer, recommend } from '@fm/eval';
import { defineCommand } from '../command.js';
import { CliError, InterruptedError } from '../errors.js';
import { titlesOf } from '../inputs.js';
import { saveModelDir } from '../model-store.js';
import { BACKEND_OPTION, WASM_THREADS_OPTION, buildModel, initBackend, pointwiseMetrics, predictScores, trainModel } from '../modeling.js';
import { checkOutputs, describeKept } from '../output-plan.js';
import { datasetOutputs, writeDataset } from '../outputs.js';
import { pairScorer, rankingEvaluation, userItemLayout, userItemPairs } from '../ranking.js';
import { printSummary, summarize } from '../summary.js';
import { fmtNum, formatTable } from '../text.js';

/** `fm demo`: the whole pipeline on a built-in synthetic MovieLens-shaped set, in well under a minute. */
export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'end to end in < 1 minute: synthetic MovieLens-shaped data → encode → train FM → metrics → recommendations',
  usage: 'demo [--out DIR] [--epochs N] [--user ID]',
  description: `
Generates a seeded synthetic rating set shaped like MovieLens-100K (943 users x 1,682 items, 6.3%
density, ratings 1-5 from a planted rank-8 model), encodes it to .arrow, holds out each user's latest
rating (leave-last-out), trains a factorization machine (Rendle 2010) on the ratings (MSE) and one as a
ranker (BPR, Rendle et al. 2009) with a progress bar, reports test RMSE/MAE against the global mean and
HR@10/NDCG@10/MAP@10 against 99 sampled negatives (He et al. 2017) next to a popularity ranking, then
recommends movies for one user next to what they rated, and saves the rating model for fm eval,
fm recommend and fm similar.`,
  options: {
    out: { type: 'string', placeholder: 'DIR', default: 'out/demo', description: 'where the .arrow file and the model go' },
    users: { type: 'int', min: 10, default: 943, description: 'synthetic users' },
    items: { type: 'int', min: 120, default: 1682, description: 'synthetic items' },
    epochs: { type: 'int', min: 1, default: 100, description: 'most epochs of the rating model (MSE; early stopping on a validation slice ends it sooner)' },
    'ranking-epochs': { type: 'int', min: 1, default: 2, placeholder: 'N', description: 'epochs of the ranking model (BPR)' },
    'batch-size': { type: 'int', min: 1, default: 1024, placeholder: 'N', description: 'mini-batch size of the ranking model (the rating model uses the trainer\'s default)' },
    dim: { type: 'int', min: 1, default: 16, description: 'latent dimension k' },
    user: { type: 'int', min: 1, default: 1, description: 'raw user id to recommend for' },
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
    seed: { type: 'int', default: 42, description: 'random seed' },
    force: { type: 'boolean', description: 'write into --out even where files there were not written by fm' },
  },
  examples: ['fm demo', 'fm demo --epochs 4 --json'],
  async run({ values: v }, ctx) {
    const t0 = performance.now();
    const outputs = [...datasetOutputs('--out', join(v.out, 'ratings.arrow')), { flag: '--out (the model)', path: join(v.out, 'model'), kind: 'dir' as const }];
    await checkOutputs('demo', [], outputs, v.force);
    ctx.kept = await describeKept([outputs[0]!, outputs[3]!]);
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);

    // 1. Data: a planted low-rank rating model, MovieLens-100K shaped.
    const gen = generateRatings({ users: v.users, items: v.items, density: 0.063, seed: v.seed, round: true });
    const { dataset, encoder } = encodeInteractions(gen.interactions);
    const titles = titlesOf(gen.items) ?? new Map<number, string>();
    const arrowPath = join(v.out, 'ratings.arrow');
    await writeDataset(arrowPath, dataset, { encoder, titles });
    const summary = summarize(dataset, gen.interactions);
    printSummary(ctx, summary, 'synthetic MovieLens-shaped ratings');
    ctx.print(`  planted model: rank ${gen.rank}, noise ${gen.noise}; best achievable RMSE ${gen.bestRmse.toFixed(4)}`);
    ctx.print(`  wrote ${arrowPath}`);

    // 2. Split: each user's latest rating is the test set.
    const split = leaveLastOut(gen.interactions.user, gen.interactions.timestamp, { seed: v.seed });
    const train = dataset.select(split.train);
    const test = dataset.select(split.test);
    ctx.print(`leave-last-out split: ${fmtNum(train.numRows)} train, ${fmtNum(test.numRows)} test ratings`);
    ctx.print('');

    // 3. Train two factorization machines: one predicts ratings (MSE), one ranks items (BPR).
    const model = buildModel('fm', train, { dim: v.dim, seed: v.seed });
    const ranker = buildModel('fm', train, { dim: v.dim, seed: v.seed + 1 });
    ctx.print(`training fm (k=${v.dim}, ${model.countParams().toLocaleString('en-US')} parameters) on ratings (MSE) for ${v.epochs} epochs on ${backend.backend}`);
    try {
      const outcome = await trainModel(model, train, { task: 'regression', epochs: v.epochs, seed: v.seed }, ctx);
      if (outcome.stopReason === 'aborted') throw new InterruptedError(`stopped while training: ${ctx.kept}`);
      ctx.print(`training fm as a ranker (BPR, Rendle et al. 2009: rated items above sampled unrated ones) for ${v['ranking-epochs']} epochs`);
      const rankOutcome = await trainModel(ranker, train, { task: 'ranking', epochs: v['ranking-epochs'], batchSize: v['batch-size'], seed: v.seed, itemField: 'item' }, ctx);
      if (rankOutcome.stopReason === 'aborted') throw new InterruptedError(`stopped while training: ${ctx.kept}`);

      // 4. Test metrics.
      let lo = Infinity;
      let hi = -Infinity;
      for (const y of train.labels) {
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
      let mean = 0;
      for (const y of train.labels) mean += y / train.numRows;
      const point = pointwiseMetrics(['rmse', 'mae'], 'regression', await predictScores(model, test), test.labels, [lo, hi]);
      const baseline = pointwiseMetrics(['rmse', 'mae'], 'regression', new Float32Array(test.numRows).fill(mean), test.labels);
      const layout = userItemLayout(dataset.schema, 'demo');
      const trainPairs = userItemPairs(train, layout);
      const testPairs = userItemPairs(test, layout);
      const settings = { protocol: 'sampled' as const, negatives: 99, ks: [10], metrics: ['hr', 'ndcg', 'map'] as ('hr' | 'ndcg' | 'map')[], seed: v.seed };
      const rankScorer = pairScorer(ranker, layout);
      const ranking = await rankingEvaluation(rankScorer, layout, testPairs, trainPairs, settings);
      const ratingRanking = await rankingEvaluation(pairScorer(model, layout), layout, testPairs, trainPairs, settings);
      const pop = await rankingEvaluation(popularityScorer(trainPairs.item, layout.numItems), layout, testPairs, trainPairs, settings);
      const f4 = (x: number | undefined) => (x ?? NaN).toFixed(4);
      ctx.print('');
      ctx.print(`test set: ${fmtNum(test.numRows)} held-out latest ratings (one per user)`);
      ctx.print(
        formatTable(
          ['rating prediction', 'fm (MSE)', 'global mean'],
          [
            ['RMSE', f4(point.rmse), f4(baseline.rmse)],
            ['MAE', f4(point.mae), f4(baseline.mae)],
          ],
        ),
      );
      ctx.print('');
      ctx.print('ranking: each held-out item against 99 sampled items the user never rated (He et al. 2017)');
      ctx.print(
        formatTable(
          ['ranking', 'fm (BPR)', 'fm (MSE)', 'popularity'],
          ['hr@10', 'ndcg@10', 'map@10'].map((k) => [k.toUpperCase(), f4(ranking.metrics[k]), f4(ratingRanking.metrics[k]), f4(pop.metrics[k])]),
        ),
      );

      ctx.print('(which movies a synthetic user rates follows item popularity alone, while the ratings come from the');
      ctx.print(' planted factors: so BPR can only match popularity here, and a rating model is no ranker of what gets watched)');

      // 5. Recommendations for one user (the highest predicted ratings), next to what they rated.
      const rawUser = v.user;
      const user = encoder.encode('user', rawUser) - layout.userOffset;
      if (user <= 0) throw new CliError(`--user ${rawUser}: no such user in the synthetic data (users 1..${v.users})`);
      const seen: { item: number; rating: number }[] = [];
      const exclude = new Set<number>([0]);
      for (let r = 0; r < trainPairs.user.length; r++) {
        if (trainPairs.user[r] !== user) continue;
        exclude.add(trainPairs.item[r] as number);
        seen.push({ item: Number(encoder.decode('item', layout.itemOffset + (trainPairs.item[r] as number))), rating: train.labels[r] as number });
      }
      seen.sort((a, b) => b.rating - a.rating || a.item - b.item);
      const top = await recommend(pairScorer(model, layout), user, 10, { exclude });
      const bprRank = await recommend(rankScorer, user, layout.numItems, { exclude });
      const bprPosition = new Map<number, number>(Array.from(bprRank.items, (it, j) => [it, j + 1]));
      const recs = Array.from(top.items).map((it, j) => {
        const raw = Number(encoder.decode('item', layout.itemOffset + it));
        return { item: raw, title: titles.get(raw) ?? '', predicted: Math.min(hi, Math.max(lo, top.scores[j] as number)), bprRank: bprPosition.get(it) ?? 0 };
      });
      ctx.print('');
      ctx.print(`user ${rawUser} rated ${seen.length} movies; their favourites:`);
      ctx.print(formatTable(['item', 'title', 'rating'], seen.slice(0, 8).map((s) => [String(s.item), titles.get(s.item) ?? '', s.rating])));
      ctx.print('');
      ctx.print(`top 10 unseen movies for user ${rawUser} by predicted rating (and where the BPR ranker puts them):`);
      ctx.print(formatTable(['#', 'item', 'title', 'predicted', 'BPR rank'], recs.map((r, j) => [j + 1, String(r.item), r.title, r.predicted.toFixed(2), r.bprRank])));

      // 6. Save the model so that eval / recommend / similar can use it.
      const modelDir = join(v.out, 'model');
      await saveModelDir(
        modelDir,
        model,
        {
          task: 'regression',
          schema: train.schema.toJSON(),
          labelMean: mean,
          ratingRange: [lo, hi],
          titles: Object.fromEntries([...titles].map(([k, t]) => [String(k), t])),
          training: { data: 'demo', epochs: outcome.epochs, finalLoss: outcome.finalLoss, examplesPerSecond: outcome.examplesPerSecond, wallSeconds: outcome.wallSeconds, backend: backend.backend, engine: outcome.engine, testMetrics: { ...point, ...ranking.metrics } },
        },
        { encoder, pairs: { ...trainPairs, userField: 'user', itemField: 'item' } },
      );
      const seconds = (performance.now() - t0) / 1000;
      ctx.print('');
      ctx.print(`saved the model to ${modelDir}; try: fm recommend --model ${modelDir} --user ${rawUser}`);
      ctx.print(`demo finished in ${seconds.toFixed(1)}s (training ${(outcome.wallSeconds + rankOutcome.wallSeconds).toFixed(1)}s; ${fmtNum(Math.round(outcome.examplesPerSecond))} examples/s on ${backend.backend})`);
      return {
        backend: backend.backend,
        rows: dataset.numRows,
        users: summary.users,
        items: summary.items,
        density: summary.density,
        epochs: outcome.epochs,
        examples_per_second: outcome.examplesPerSecond,
        wall_seconds: outcome.wallSeconds,
        final_loss: outcome.finalLoss,
        best_rmse: gen.bestRmse,
        ranking_epochs: rankOutcome.epochs,
        test: { ...point, ...ranking.metrics },
        test_rating_model_ranking: ratingRanking.metrics,
        baseline: { rmse: baseline.rmse, mae: baseline.mae, ...Object.fromEntries(Object.entries(pop.metrics).map(([k, x]) => [`popularity_${k}`, x])) },
        user: rawUser,
        recommendations: recs,
        out: v.out,
        seconds,
      };
    } finally {
      model.dispose();
      ranker.dispose();
    }
  },
});

