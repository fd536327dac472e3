import { commitOutputs } from '@fm/data/node';
import { predictDistribution } from '@fm/train';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { checkFormatFlags, COLUMNS_OPTION, describeUnseen, FORMAT_OPTION, formatFlags, loadForModel, ZERO_BASED_OPTION } from '../inputs.js';
import { loadScoringBundle } from '../model-store.js';
import { BACKEND_OPTION, WASM_THREADS_OPTION, initBackend, predictScores } from '../modeling.js';
import { checkOutputs, describeKept, type PlannedInput } from '../output-plan.js';
import { formatPredictions } from '../predictions.js';
import { requireBayesian } from '../predictive-std.js';
import { checkShardsMatch, isShardDir, openShards, streamScores } from '../shard-input.js';

/** `fm predict`: a saved model's prediction for every row of a file, written one per line. */
export const predictCommand = defineCommand({
  name: 'predict',
  summary: "write a saved model's prediction for every row of a data file (libFM's -out, libffm's ffm-predict)",
  usage: 'predict --model DIR --data FILE|SHARD_DIR --out FILE [--std] [flags]',
  description: `
Writes one line per row of --data, in its order: the predicted rating for a regression model (clipped
to the training ratings' range, as libFM does), P(y = 1) for a binary model, P(relevant) = σ(score)
for a ranking model. That is the file libFM's -out and libffm's ffm-predict write, so the three
can be compared line by line (fm eval --predictions FILE scores any of them). --std (models
trained with --solver mcmc) adds a tab and the predictive standard deviation over the kept samples.
Raw files are encoded with the model's saved encoder (values it never saw go to the out-of-vocabulary
bucket and are counted); a shard directory is scored chunk by chunk. The output is written as a whole
at the end: an interrupted run leaves --out as it was.`,
  options: {
    model: { type: 'string', placeholder: 'DIR', required: true, description: 'model directory from fm train' },
    data: { type: 'string', short: 'd', placeholder: 'FILE', required: true, description: 'rows to score (any input format, or a shard directory)' },
    out: { type: 'string', short: 'o', placeholder: 'FILE', required: true, description: 'predictions file, one line per row' },
    std: { type: 'boolean', description: 'also write the predictive standard deviation (models trained with --solver mcmc)' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
    force: { type: 'boolean', description: 'overwrite an output file that fm did not write' },
  },
  examples: ['fm predict --model out/fm-model --data ml-100k/ua.test --format movielens --out ua.predictions', 'fm predict --model out/ffm --data test.ffm --out test.out'],
  async run({ values: v }, ctx) {
    const t0 = performance.now();
    await checkFormatFlags('predict', v, [v.data]);
    const inputs: PlannedInput[] = [
      { flag: '--model', path: v.model },
      { flag: '--data', path: v.data },
    ];
    await checkOutputs('predict', inputs, [{ flag: '--out', path: v.out, kind: 'file' }], v.force);
    ctx.kept = await describeKept([{ flag: '--out', path: v.out, kind: 'file' }]);
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);
    // LR/FM/FFM/MF score on the native kernels: loaded straight into their arrays
    const bundle = await loadScoringBundle(v.model, backend.backend);
    if (v.std) requireBayesian(bundle.model, 'predict', v.model);
    const task = bundle.meta.task;
    let scores: Float32Array;
    let std: Float32Array | undefined;
    let unseenRows = 0;
    if (await isShardDir(v.data)) {
      if (v.std) throw new UsageError('fm predict: --std needs the rows in memory (MCMC models train on files); --data is a shard directory', 'predict');
      const sd = await openShards(v.data, '--data');
      checkShardsMatch(sd, bundle.meta.fieldDims, bundle.encoder, '--data');
      scores = (await streamScores(bundle.model, sd, ctx.signal)).scores;
    } else {
      const input = await loadForModel(v.data, '--data', bundle, { command: 'predict', ...formatFlags(v) }, ctx);
      unseenRows = input.unseen?.rows ?? 0;
      const note = input.unseen ? describeUnseen(v.data, input.unseen, input.dataset.numRows) : undefined;
      if (note) ctx.note(note);
      scores = await predictScores(bundle.model, input.dataset, ctx.signal);
      if (v.std) std = predictDistribution(bundle.model, input.dataset).std;
    }
    ctx.signal.throwIfAborted();
    await commitOutputs([{ path: v.out, data: formatPredictions(scores, task, bundle.meta.ratingRange, std) }]);
    const what = task === 'regression' ? 'predicted ratings' : task === 'binary' ? 'P(y = 1)' : 'P(relevant)';
    ctx.print(`wrote ${v.out}: ${scores.length.toLocaleString('en-US')} row${scores.length === 1 ? '' : 's'} of ${what}${std ? ' and their standard deviations' : ''} from ${v.model} (${bundle.meta.kind}, ${task})`);
    return { backend: backend.backend, model: v.model, kind: bundle.meta.kind, task, rows: scores.length, unseen_rows: unseenRows, out: v.out, std: std !== undefined, seconds: (performance.now() - t0) / 1000 };
  },
});
