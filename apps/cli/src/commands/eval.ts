import { readFile } from 'node:fs/promises';
import { evaluateSampled, parseNcfNegatives } from '@fm/eval';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { COLUMNS_OPTION, FORMAT_OPTION, loadInput, type LoadedInput } from '../inputs.js';
import { loadModelBundle, type ModelBundle } from '../loaded-model.js';
import { BACKEND_OPTION, initBackend, pointwiseMetrics, predictScores, type Task } from '../modeling.js';
import { localIdOf, pairScorer, parseMetricNames, rankingEvaluation, userItemLayout, userItemPairs, type UserItemLayout } from '../ranking.js';
import { formatTable } from '../text.js';

/** Metrics when --metrics is absent: the task's own (ranking metrics only for ranking models). */
function defaultMetricList(task: Task): string[] {
  if (task === 'ranking') return ['hr@10', 'ndcg@10', 'map@10'];
  return task === 'regression' ? ['rmse', 'mae'] : ['auc', 'logloss'];
}

async function readCandidates(path: string, bundle: ModelBundle, layout: UserItemLayout) {
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new CliError(`${path}: ${e.message}`);
  });
  const ncf = parseNcfNegatives(text, path);
  const map = (field: 'user' | 'item', raw: number) => {
    try {
      return localIdOf(bundle.encoder, field, String(raw), layout);
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message}`);
    }
  };
  const test = { user: ncf.test.user.map((u) => map('user', u)), item: ncf.test.item.map((i) => map('item', i)) };
  const negatives = new Map<number, Int32Array>();
  for (const [u, items] of ncf.negatives) negatives.set(map('user', u), items.map((i) => map('item', i)));
  return { test, negatives };
}

/** `fm eval`: metrics of a saved model on a data file. */
export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'evaluate a saved model: rmse, mae, auc, logloss and ranking metrics (hr@k, ndcg@k, map@k)',
  usage: 'eval --model DIR --data FILE [--metrics LIST] [--protocol sampled|full] [flags]',
  description: `
Raw files are encoded with the model's saved encoder. Ranking metrics treat every test row (every
positive row for binary models) as a relevant (user, item) pair. --protocol sampled ranks it against
--negatives items the user never interacted with (He et al. 2017, NCF); full ranks it against every
item except the user's --train items. --candidates FILE reads fixed negatives in the NCF
.test.negative format ("(user,item)<TAB>neg1<TAB>neg2...", raw ids) instead of --data pairs.`,
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    data: { type: 'string', short: 'd', placeholder: 'FILE', description: 'test data (required unless --candidates)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    metrics: { type: 'list', placeholder: 'LIST', description: 'comma-separated: rmse,mae,auc,logloss,hr@10,ndcg@10,map@10,precision@K,recall@K,mrr' },
    protocol: { type: 'enum', choices: ['sampled', 'full'], default: 'sampled', description: 'ranking protocol' },
    negatives: { type: 'int', min: 1, default: 99, description: 'sampled negatives per test user' },
    candidates: { type: 'string', placeholder: 'FILE', description: 'NCF .test.negative file with fixed candidates' },
    train: { type: 'string', placeholder: 'FILE', description: 'training data: its items are never negatives / are masked (full)' },
    backend: BACKEND_OPTION,
    seed: { type: 'int', default: 42, description: 'seed of the sampled negatives' },
  },
  examples: [
    'fm eval --model out/fm-model --data out/test.arrow',
    'fm eval --model out/fm-model --data out/test.arrow --train out/train.arrow --metrics rmse,hr@10,ndcg@10',
  ],
  async run({ values: v }, ctx) {
    if (v.data === undefined && v.candidates === undefined) throw new UsageError('fm eval: missing required flag --data (or --candidates)', 'eval');
    if (v.metrics) {
      try {
        parseMetricNames(v.metrics);
      } catch (e) {
        throw new UsageError(`fm eval: --metrics: ${(e as Error).message}`, 'eval');
      }
    }
    const backend = await initBackend(v.backend, ctx);
    const bundle = await loadModelBundle(v.model);
    const task = bundle.meta.task;
    const fmt = { ...(v.format !== undefined ? { format: v.format } : {}), ...(v.columns !== undefined ? { columns: v.columns } : {}) };
    const load = async (path: string): Promise<LoadedInput> => {
      const input = await loadInput(path, { command: 'eval', ...(bundle.encoder ? { encoder: bundle.encoder } : {}), ...fmt });
      const dims = input.dataset.schema.fieldDims;
      if (dims.join(',') !== bundle.meta.fieldDims.join(',')) {
        throw new CliError(`${path}: its fields have sizes [${dims.join(', ')}] but the model ${v.model} was trained on [${bundle.meta.fieldDims.join(', ')}]`);
      }
      return input;
    };
    let layout: UserItemLayout | undefined;
    try {
      layout = userItemLayout(bundle.schema, v.model);
    } catch {
      layout = undefined;
    }
    const names = v.metrics ?? defaultMetricList(task);
    const parsed = parseMetricNames(names);
    const results: Record<string, number> = {};
    let rows = 0;
    let cases = 0;
    const data = v.data !== undefined ? await load(v.data) : undefined;
    if (data) {
      rows = data.dataset.numRows;
      if (parsed.pointwise.length > 0) {
        const scores = await predictScores(bundle.model, data.dataset);
        Object.assign(results, pointwiseMetrics(parsed.pointwise, task, scores, data.dataset.labels, task === 'regression' ? bundle.meta.labelRange : undefined));
      }
    }
    if (parsed.ranking.metrics.length > 0) {
      if (!layout) throw new CliError(`${v.model}: ranking metrics need a model over (user, item) fields; its fields are ${bundle.meta.fieldNames.join(', ')}`);
      const scorer = pairScorer(bundle.model, layout);
      const ks = parsed.ranking.ks.length ? parsed.ranking.ks : [10];
      if (v.candidates !== undefined) {
        const c = await readCandidates(v.candidates, bundle, layout);
        const r = await evaluateSampled(scorer, c.test, c.negatives, { ks, metrics: parsed.ranking.metrics });
        Object.assign(results, r.metrics);
        cases = r.count;
      } else if (data) {
        const test = userItemPairs(data.dataset, layout, task === 'binary');
        const train = v.train !== undefined ? userItemPairs((await load(v.train)).dataset, layout) : { user: new Int32Array(0), item: new Int32Array(0) };
        if (v.train === undefined) ctx.note('note: no --train file: training items are not excluded from the candidates');
        const r = await rankingEvaluation(scorer, layout, test, train, { protocol: v.protocol as 'sampled' | 'full', negatives: v.negatives, ks, metrics: parsed.ranking.metrics, seed: v.seed });
        Object.assign(results, r.metrics);
        cases = r.count;
      }
    }
    const shown = names.filter((k) => results[k] !== undefined).map((k) => [k, results[k] as number] as const);
    ctx.print(`model ${v.model} (${bundle.meta.kind}, ${task}) on ${v.data ?? v.candidates}: ${rows ? `${rows.toLocaleString('en-US')} rows` : ''}${cases ? `, ${cases.toLocaleString('en-US')} ranking cases (${v.candidates ? 'fixed candidates' : v.protocol === 'sampled' ? `${v.negatives} sampled negatives` : 'full ranking'})` : ''}`);
    ctx.print(formatTable(['metric', 'value'], shown.map(([k, x]) => [k, Number(x.toFixed(4))])));
    return { backend: backend.backend, model: v.model, kind: bundle.meta.kind, task, rows, ranking_cases: cases, protocol: v.candidates ? 'candidates' : v.protocol, metrics: Object.fromEntries(shown) };
  },
});
