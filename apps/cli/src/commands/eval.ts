import { readFile } from 'node:fs/promises';
import { logit } from '@fm/data';
import { evaluateSampled } from '@fm/eval';
import { describeQuirks, readCandidates, type CandidateQuirks } from '../candidates.js';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, describeUnseen, FORMAT_OPTION, formatFlags, loadForModel, ZERO_BASED_OPTION, type LoadedInput } from '../inputs.js';
import { loadScoringBundle } from '../model-store.js';
import { BACKEND_OPTION, WASM_THREADS_OPTION, initBackend, pointwiseMetrics, predictScores, type Task } from '../modeling.js';
import { parsePredictions } from '../predictions.js';
import { pairScorer, parseMetricNames, rankingEvaluation, userItemPairs, type UserItemLayout } from '../ranking.js';
import { modelLayout, modelSide, sideScorer } from '../side-recommend.js';
import { isShardDir, openShards, streamPointwise } from '../shard-input.js';
import { formatTable } from '../text.js';

/** Metrics when --metrics is absent: the task's own (ranking metrics only for ranking models). */
function defaultMetricList(task: Task): string[] {
  if (task === 'ranking') return ['hr@10', 'ndcg@10', 'map@10'];
  return task === 'regression' ? ['rmse', 'mae'] : ['auc', 'logloss'];
}

/** `fm eval`: metrics of a saved model on a data file. */
export const evalCommand = defineCommand({
  readOnly: true,
  name: 'eval',
  summary: 'evaluate a saved model: rmse, mae, auc, logloss and ranking metrics (hr@k, ndcg@k, map@k)',
  usage: 'eval --model DIR --data FILE|SHARD_DIR [--metrics LIST] [--protocol sampled|full] [flags]',
  description: `
Raw files are encoded with the model's saved encoder; values it never saw are scored through the
out-of-vocabulary bucket and counted. Ranking metrics treat every test row (every positive row for
binary models) as a relevant (user, item) pair. --protocol sampled ranks it against --negatives items
the user never interacted with (He et al. 2017, NCF); full ranks it against every item except the
user's training items. The user's training items come from the model directory (fm train records
them) or from --train FILE. --candidates FILE reads fixed negatives in the NCF .test.negative format
("(user,item)<TAB>neg1<TAB>neg2...", raw ids) instead of --data pairs; its quirks (a negative equal
to the test item, repeats, unseen items or users) are counted and evaluated. A shard directory
(fm encode --shards --encoder MODEL_DIR) is streamed chunk by chunk for pointwise metrics.`,
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    data: { type: 'string', short: 'd', placeholder: 'FILE', description: 'test data (required unless --candidates)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    metrics: { type: 'list', placeholder: 'LIST', description: 'comma-separated: rmse,mae,auc,logloss,hr@10,ndcg@10,map@10,precision@K,recall@K,mrr' },
    protocol: { type: 'enum', choices: ['sampled', 'full'], description: 'ranking protocol (default: sampled)' },
    negatives: { type: 'int', min: 1, description: 'sampled protocol: negatives per test user (default: 99)' },
    candidates: { type: 'string', placeholder: 'FILE', description: 'NCF .test.negative file with fixed candidates' },
    train: { type: 'string', placeholder: 'FILE', description: "training data whose items are never negatives / are masked (default: the model's record)" },
    predictions: { type: 'string', placeholder: 'FILE', description: "pointwise metrics of a predictions file (fm predict, libFM's -out, libffm's output) against --data's labels, instead of the model's own scores" },
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
    seed: { type: 'int', description: 'sampled protocol: seed of the negatives (default: 42)' },
  },
  examples: [
    'fm eval --model out/fm-model --data out/test.arrow',
    'fm eval --model out/bpr --data out/test.tsv --format movielens --metrics hr@10,ndcg@10',
    'fm eval --model out/fm-model --data out/test.arrow --train out/train.arrow --metrics rmse,hr@10 --protocol full',
    'fm eval --model out/fm-model --data ml-100k/ua.test --format movielens --predictions libfm.out',
  ],
  async run({ values: v }, ctx) {
    if (v.data === undefined && v.candidates === undefined) throw new UsageError('fm eval: missing required flag --data (or --candidates)', 'eval');
    await checkFormatFlags('eval', v, [v.data, v.train]);
    if (v.metrics) {
      try {
        parseMetricNames(v.metrics);
      } catch (e) {
        throw new UsageError(`fm eval: --metrics: ${(e as Error).message}`, 'eval');
      }
    }
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);
    // LR/FM/FFM/MF score on the native kernels: loaded straight into their arrays
    const bundle = await loadScoringBundle(v.model, backend.backend);
    const task = bundle.meta.task;
    const fmt = { command: 'eval', ...formatFlags(v) };
    const load = (path: string, flag: string): Promise<LoadedInput> => loadForModel(path, flag, bundle, fmt, ctx);
    // a model with side features ranks through its user and item parts (LR/FM/FFM/MF, MCMC/ALS)
    const side = modelSide(bundle);
    let layout: UserItemLayout | undefined;
    try {
      layout = modelLayout(bundle, v.model);
    } catch {
      layout = undefined;
    }
    const names = v.metrics ?? defaultMetricList(task);
    const parsed = parseMetricNames(names);
    const protocol = (v.protocol ?? 'sampled') as 'sampled' | 'full';
    const negatives = v.negatives ?? 99;
    const seed = v.seed ?? 42;
    checkRankingFlags(v, parsed.ranking.metrics.length > 0, protocol, names);
    const results: Record<string, number> = {};
    let rows = 0;
    let cases = 0;
    let unseenRows = 0;
    let quirks: CandidateQuirks | undefined;
    let trainSource: string | null = null;
    // A shard directory is streamed for pointwise metrics (ranking metrics need its pairs in memory).
    const streamed = v.data !== undefined && parsed.ranking.metrics.length === 0 && (await isShardDir(v.data)) ? await openShards(v.data, '--data') : undefined;
    if (v.predictions !== undefined) {
      if (v.data === undefined) throw new UsageError('fm eval: --predictions are scored against the labels of --data; give --data FILE', 'eval');
      if (parsed.ranking.metrics.length > 0) throw new UsageError(`fm eval: --predictions gives pointwise metrics (rmse, mae, auc, logloss); ${parsed.ranking.metrics.join(', ')} rank the model's own scores: drop one`, 'eval');
      if (streamed) throw new UsageError(`fm eval: --predictions needs --data as a file; ${v.data} is a shard directory`, 'eval');
    }
    if (streamed) {
      rows = streamed.numRows;
      Object.assign(
        results,
        await streamPointwise(bundle.model, streamed, {
          names: parsed.pointwise,
          task,
          fieldDims: bundle.meta.fieldDims,
          ...(bundle.encoder ? { encoder: bundle.encoder } : {}),
          ...(bundle.meta.ratingRange ? { range: bundle.meta.ratingRange } : {}),
          flag: '--data',
          signal: ctx.signal,
        }),
      );
    }
    const data = v.data !== undefined && !streamed ? await load(v.data, '--data') : undefined;
    if (data) {
      rows = data.dataset.numRows;
      unseenRows = data.unseen?.rows ?? 0;
      const note = data.unseen ? describeUnseen(v.data as string, data.unseen, rows) : undefined;
      if (note) ctx.note(note);
      if (parsed.pointwise.length > 0) {
        const scores = v.predictions !== undefined ? await readPredictions(v.predictions, task, rows) : await predictScores(bundle.model, data.dataset, ctx.signal);
        try {
          Object.assign(results, pointwiseMetrics(parsed.pointwise, task, scores, data.dataset.labels, task === 'regression' ? bundle.meta.ratingRange : undefined));
        } catch (e) {
          throw new CliError(`${v.data}: ${(e as Error).message}`);
        }
      }
    }
    if (parsed.ranking.metrics.length > 0) {
      if (!layout) throw new CliError(`${v.model}: ranking metrics need a model over (user, item) fields; its fields are ${bundle.schema.fields.map((f) => f.name).join(', ')}`);
      const ks = parsed.ranking.ks.length ? parsed.ranking.ks : [10];
      const scorer = side ? sideScorer(bundle.model, side.encoder, side.side, layout) : pairScorer(bundle.model, layout);
      if (!scorer) {
        throw new CliError(`${v.model}: ranking metrics of a ${bundle.meta.kind} model with side features are not supported (it reads a row's slots by position); LR, FM, FFM, MF and MCMC/ALS models rank through their user and item parts`);
      }
      if (v.candidates !== undefined) {
        if (side) throw new CliError(`${v.model}: --candidates ranks (user, item) pairs of a two-field model; this model has side features (rank with --data and --protocol instead)`);
        const c = await readCandidates(v.candidates, bundle.encoder, layout);
        quirks = c.quirks;
        const note = describeQuirks(v.candidates, c.quirks);
        if (note) ctx.note(note);
        const r = await evaluateSampled(pairScorer(bundle.model, layout, c.virtualItems), c.test, c.negatives, { ks, metrics: parsed.ranking.metrics });
        Object.assign(results, r.metrics);
        cases = r.count;
      } else if (data) {
        const test = userItemPairs(data.dataset, layout, task === 'binary');
        let train = bundle.trainPairs;
        trainSource = train ? `${v.model} (its record of the training interactions)` : null;
        if (v.train !== undefined) {
          train = userItemPairs((await load(v.train, '--train')).dataset, layout);
          trainSource = v.train;
        }
        if (!train) {
          ctx.note(`note: ${v.model} has no record of its training interactions (written by an older fm) and no --train FILE was given: the users' training items may be drawn as negatives; pass --train FILE`);
        }
        const r = await rankingEvaluation(scorer, layout, test, train ?? { user: new Int32Array(0), item: new Int32Array(0) }, {
          protocol,
          negatives,
          ks,
          metrics: parsed.ranking.metrics,
          seed,
        });
        Object.assign(results, r.metrics);
        cases = r.count;
      }
    }
    const shown = names.filter((k) => results[k] !== undefined).map((k) => [k, results[k] as number] as const);
    ctx.print(
      `model ${v.model} (${bundle.meta.kind}, ${task}) on ${v.data ?? v.candidates}: ${rows ? `${rows.toLocaleString('en-US')} rows` : ''}${cases ? `, ${cases.toLocaleString('en-US')} ranking cases (${v.candidates ? 'fixed candidates' : protocol === 'sampled' ? `${negatives} sampled negatives` : 'full ranking'})` : ''}`,
    );
    ctx.print(formatTable(['metric', 'value'], shown.map(([k, x]) => [k, Number(x.toFixed(4))])));
    return {
      backend: backend.backend,
      model: v.model,
      kind: bundle.meta.kind,
      task,
      rows,
      unseen_rows: unseenRows,
      ranking_cases: cases,
      protocol: v.candidates ? 'candidates' : protocol,
      training_items_from: trainSource,
      ...(quirks ? { candidates: quirks } : {}),
      metrics: Object.fromEntries(shown),
    };
  },
});

/**
 * A predictions file as the scores `pointwiseMetrics` takes: ratings as they are, probabilities as logits. Errors
 * name the file (and line), or the row counts when they differ from the data's.
 */
async function readPredictions(path: string, task: Task, rows: number): Promise<Float32Array> {
  let p: Float32Array;
  try {
    p = parsePredictions(await readFile(path, 'utf8'), path);
  } catch (e) {
    throw new CliError(`--predictions ${(e as NodeJS.ErrnoException).code ? `${path}: cannot read (${(e as NodeJS.ErrnoException).code})` : (e as Error).message}`);
  }
  if (p.length !== rows) throw new CliError(`--predictions ${path} has ${p.length.toLocaleString('en-US')} predictions but --data has ${rows.toLocaleString('en-US')} rows; they must be line for line`);
  if (task === 'regression') return p;
  for (let i = 0; i < p.length; i++) {
    const x = p[i] as number;
    if (x < 0 || x > 1) throw new CliError(`--predictions ${path}:${i + 1}: ${x} is not a probability; a ${task} model's predictions are P(y = 1) in [0, 1]`);
    p[i] = logit(x);
  }
  return p;
}

/**
 * The ranking flags, each an error where nothing would read it (they were silently ignored): --protocol,
 * --negatives, --seed and --train without a ranking metric; --negatives and --seed with the full protocol or with
 * --candidates, --train and --protocol with --candidates (which fix the negatives).
 */
function checkRankingFlags(
  v: { protocol?: string | undefined; negatives?: number | undefined; seed?: number | undefined; train?: string | undefined; candidates?: string | undefined },
  ranking: boolean,
  protocol: 'sampled' | 'full',
  metrics: readonly string[],
): void {
  const given = (['protocol', 'negatives', 'seed', 'train'] as const).filter((f) => v[f] !== undefined);
  if (!ranking && given.length > 0) {
    throw new UsageError(`fm eval: --${given.join(', --')} ${given.length > 1 ? 'apply' : 'applies'} to ranking metrics (hr@K, ndcg@K, map@K, precision@K, recall@K, mrr); the metrics are ${metrics.join(',')}`, 'eval');
  }
  if (v.train !== undefined && v.candidates !== undefined) throw new UsageError('fm eval: --candidates fixes each case\'s negatives, so --train masks nothing; drop --train', 'eval');
  const sampledOnly = (['negatives', 'seed'] as const).filter((f) => v[f] !== undefined);
  if (sampledOnly.length > 0 && (v.candidates !== undefined || protocol === 'full')) {
    const why = v.candidates !== undefined ? '--candidates fixes the negatives' : '--protocol full ranks every item';
    throw new UsageError(`fm eval: --${sampledOnly.join(', --')} ${sampledOnly.length > 1 ? 'belong' : 'belongs'} to the sampled protocol; ${why}`, 'eval');
  }
  if (v.protocol !== undefined && v.candidates !== undefined) throw new UsageError('fm eval: --candidates is its own protocol (fixed negatives); drop --protocol', 'eval');
}
