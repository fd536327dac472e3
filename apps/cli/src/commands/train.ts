import { encodeInteractions, generateRatings, type Encoder, type SparseDataset } from '@fm/data';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { COLUMNS_OPTION, FORMAT_OPTION, loadInput, titlesOf } from '../inputs.js';
import { MODEL_META_FORMAT, saveModelDir, type ModelMeta } from '../model-store.js';
import {
  BACKEND_OPTION,
  buildModel,
  defaultMetrics,
  initBackend,
  MODEL_KINDS,
  OPTIMIZERS,
  pointwiseMetrics,
  predictScores,
  TASKS,
  trainModel,
  type ModelKind,
  type Task,
} from '../modeling.js';
import { chooseEngine, inspectModel } from '@fm/train';
import { printSummary, summarize } from '../summary.js';
import { fmtNum } from '../text.js';

/** Training data as the train command sees it. */
interface TrainData {
  dataset: SparseDataset;
  encoder?: Encoder;
  titles?: Map<number, string>;
  source: string;
}

async function loadTrainData(v: { data: string; format?: string; columns?: string; seed: number }, ctx: CommandContext): Promise<TrainData> {
  if (v.data === 'synthetic') {
    const gen = generateRatings({ seed: v.seed, round: true });
    const { dataset, encoder } = encodeInteractions(gen.interactions);
    ctx.note(`synthetic ratings: ${gen.numUsers} users x ${gen.numItems} items, ${gen.interactions.length} ratings (best achievable RMSE ${gen.bestRmse.toFixed(4)})`);
    const titles = titlesOf(gen.items);
    return { dataset, encoder, ...(titles ? { titles } : {}), source: 'synthetic' };
  }
  const input = await loadInput(v.data, {
    command: 'train',
    ...(v.format !== undefined ? { format: v.format } : {}),
    ...(v.columns !== undefined ? { columns: v.columns } : {}),
  });
  if (input.skipped > 0) ctx.note(`${v.data}: skipped ${input.skipped} bad lines`);
  return {
    dataset: input.dataset,
    ...(input.encoder ? { encoder: input.encoder } : {}),
    ...(input.titles ? { titles: input.titles } : {}),
    source: v.data,
  };
}

function labelStats(ds: SparseDataset): { mean: number; range: [number, number] } {
  let s = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of ds.labels) {
    s += y;
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  return { mean: ds.numRows ? s / ds.numRows : 0, range: [lo, hi] };
}

/** `fm train`: fit a model and save it (with its encoder and metadata) into a directory. */
export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model (fm, ffm, afm, mf, nfm, deepfm, lr) and save it to a directory',
  usage: 'train --data FILE|synthetic --model KIND --task TASK [flags] --out MODEL_DIR',
  description: `
Reads raw files (MovieLens, CSV with --columns, libFM, libFFM) or encoded .arrow files; --data
synthetic uses a seeded MovieLens-100K-shaped ratings set. Progress goes to stderr: a redrawn bar on
a terminal, one line per epoch otherwise. The model directory (model.json, weights.bin, fm.json with
the encoder, titles and training figures) is written atomically.`,
  options: {
    data: { type: 'string', short: 'd', placeholder: 'FILE', required: true, description: 'training data file, or "synthetic"' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    model: { type: 'enum', short: 'm', choices: MODEL_KINDS, default: 'fm', description: 'model kind' },
    task: { type: 'enum', choices: TASKS, default: 'regression', description: 'loss: MSE, log loss, or BPR' },
    epochs: { type: 'int', short: 'e', min: 1, max: 100000, description: 'epochs (default: the trainer\'s)' },
    'batch-size': { type: 'int', short: 'b', min: 1, placeholder: 'N', description: 'mini-batch size' },
    dim: { type: 'int', short: 'k', min: 1, max: 4096, description: 'latent dimension k (default 16)' },
    lr: { type: 'number', min: 0, exclusiveMin: true, description: 'learning rate' },
    optimizer: { type: 'enum', choices: OPTIMIZERS, description: 'optimizer (default: the trainer\'s)' },
    l2: { type: 'number', min: 0, description: 'L2 regularisation' },
    dropout: { type: 'number', min: 0, max: 1, exclusiveMax: true, description: 'dropout (afm, nfm, deepfm)' },
    validation: { type: 'string', placeholder: 'F|FILE', description: 'validation: a fraction of train (e.g. 0.1) or a file' },
    patience: { type: 'int', min: 1, description: 'early stopping patience in epochs (needs --validation)' },
    test: { type: 'string', placeholder: 'FILE', description: 'test file, evaluated after training' },
    negatives: { type: 'int', min: 1, description: 'binary task on positive-only data: sampled negatives per positive' },
    backend: BACKEND_OPTION,
    engine: { type: 'enum', choices: ['auto', 'native', 'tfjs'], default: 'auto', description: 'training engine: native TypeScript kernels (lr, fm, ffm, mf) or tfjs (every model, GPU backends); auto picks and says why' },
    seed: { type: 'int', default: 42, description: 'random seed (init, shuffling, synthetic data)' },
    out: { type: 'string', short: 'o', placeholder: 'MODEL_DIR', required: true, description: 'model directory to write' },
  },
  examples: [
    'fm train --data synthetic --model fm --epochs 10 --out out/fm-model',
    'fm train --data ml-100k/ua.base --test ml-100k/ua.test --model fm --validation 0.1 --out out/ml-fm',
    'fm train --data out/train.arrow --model mf --task ranking --out out/mf-bpr --json',
  ],
  async run({ values: v }, ctx) {
    const t0 = performance.now();
    let validation: SparseDataset | { fraction: number } | undefined;
    if (v.validation !== undefined) {
      const f = Number(v.validation);
      if (v.validation.trim() !== '' && Number.isFinite(f)) {
        if (!(f > 0 && f < 1)) throw new UsageError(`fm train: --validation expects a fraction in (0, 1) or a file, got "${v.validation}"`, 'train');
        validation = { fraction: f };
      }
    }
    if (v.patience !== undefined && v.validation === undefined) {
      throw new UsageError('fm train: --patience needs --validation (a fraction or a file)', 'train');
    }
    const backend = await initBackend(v.backend, ctx);
    const data = await loadTrainData(v, ctx);
    const train = data.dataset;
    if (train.numRows === 0) throw new CliError(`${data.source}: no rows to train on`);
    if (v.validation !== undefined && validation === undefined) {
      const vin = await loadInput(v.validation, { command: 'train', ...(data.encoder ? { encoder: data.encoder } : {}), ...(v.format ? { format: v.format } : {}), ...(v.columns ? { columns: v.columns } : {}) });
      validation = vin.dataset;
    }
    const summary = summarize(train);
    if (!ctx.json) printSummary(ctx, summary, `training data ${data.source}`);
    const task = v.task as Task;
    const kind = v.model as ModelKind;
    const model = buildModel(kind, train, { seed: v.seed, ...(v.dim !== undefined ? { dim: v.dim } : {}), ...(v.dropout !== undefined ? { dropout: v.dropout } : {}) });
    ctx.print(`model ${kind} (${model.countParams().toLocaleString('en-US')} parameters), task ${task}`);
    const engine = chooseEngine(model, inspectModel(model), v.engine as 'auto' | 'native' | 'tfjs', backend.backend);
    ctx.print(`engine: ${engine.name} (${engine.reason})`);
    try {
      const outcome = await trainModel(
        model,
        train,
        {
          task,
          seed: v.seed,
          ...(v.epochs !== undefined ? { epochs: v.epochs } : {}),
          ...(v['batch-size'] !== undefined ? { batchSize: v['batch-size'] } : {}),
          ...(v.optimizer !== undefined ? { optimizer: v.optimizer } : {}),
          ...(v.lr !== undefined ? { learningRate: v.lr } : {}),
          ...(v.l2 !== undefined ? { l2: v.l2 } : {}),
          ...(validation !== undefined ? { validation } : {}),
          ...(v.patience !== undefined ? { patience: v.patience } : {}),
          ...(train.schema.fields.some((f) => f.name === 'item') ? { itemField: 'item' } : {}),
          ...(v.negatives !== undefined ? { negativesPerPositive: v.negatives } : {}),
          engine: v.engine as 'auto' | 'native' | 'tfjs',
        },
        ctx,
      );
      const stats = labelStats(train);
      let test: Record<string, number> | undefined;
      if (v.test !== undefined) {
        const tin = await loadInput(v.test, {
          command: 'train',
          ...(data.encoder ? { encoder: data.encoder } : {}),
          ...(v.format !== undefined ? { format: v.format } : {}),
          ...(v.columns !== undefined ? { columns: v.columns } : {}),
        });
        if (!tin.dataset.schema.equals(train.schema)) {
          throw new CliError(`${v.test}: its fields differ from the training data's; encode both with the same encoder`);
        }
        test = pointwiseMetrics(defaultMetrics(task), task, await predictScores(model, tin.dataset), tin.dataset.labels, task === 'regression' ? stats.range : undefined);
      }
      const training = {
        data: data.source,
        epochs: outcome.epochs,
        bestEpoch: outcome.bestEpoch,
        finalLoss: outcome.finalLoss,
        examplesPerSecond: outcome.examplesPerSecond,
        wallSeconds: outcome.wallSeconds,
        backend: backend.backend,
        engine: outcome.engine,
        engineReason: outcome.engineReason,
        flags: { epochs: v.epochs, batchSize: v['batch-size'], dim: v.dim, lr: v.lr, optimizer: v.optimizer, l2: v.l2, seed: v.seed },
        ...(outcome.valMetrics ? { valMetrics: outcome.valMetrics } : {}),
        ...(test ? { testMetrics: test } : {}),
      };
      const meta: ModelMeta = {
        format: MODEL_META_FORMAT,
        kind,
        task,
        fieldDims: train.schema.fieldDims,
        fieldNames: train.schema.fields.map((f) => f.name),
        schema: train.schema.toJSON(),
        labelMean: stats.mean,
        labelRange: stats.range,
        ...(data.encoder ? { encoder: data.encoder.toJSON() } : {}),
        ...(data.titles ? { titles: Object.fromEntries([...data.titles].map(([k, t]) => [String(k), t])) } : {}),
        training,
        createdAt: new Date().toISOString(),
      };
      await saveModelDir(v.out, model, meta);
      ctx.print(`trained ${outcome.epochs} epochs in ${outcome.wallSeconds.toFixed(1)}s (${fmtNum(Math.round(outcome.examplesPerSecond))} examples/s, ${outcome.engine} engine${outcome.threads > 1 ? ` on ${outcome.threads} threads` : ''}, backend ${backend.backend}), final loss ${outcome.finalLoss.toFixed(4)}`);
      if (outcome.valMetrics) ctx.print(`validation: ${Object.entries(outcome.valMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      if (test) ctx.print(`test ${v.test}: ${Object.entries(test).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      ctx.print(`saved model to ${v.out}`);
      return {
        backend: backend.backend,
        backend_reason: backend.reason,
        engine: outcome.engine,
        engine_reason: outcome.engineReason,
        threads: outcome.threads,
        model: kind,
        task,
        rows: train.numRows,
        epochs: outcome.epochs,
        best_epoch: outcome.bestEpoch,
        examples_per_second: outcome.examplesPerSecond,
        wall_seconds: outcome.wallSeconds,
        final_loss: outcome.finalLoss,
        validation: outcome.valMetrics ?? null,
        test: test ?? null,
        out: v.out,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      model.dispose();
    }
  },
});
