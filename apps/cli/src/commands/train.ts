import { stat } from 'node:fs/promises';
import { encodeInteractions, generateRatings, type Encoder, type SparseDataset } from '@fm/data';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, InterruptedError, UsageError } from '../errors.js';
import { checkInputPath, COLUMNS_OPTION, describeUnseen, FORMAT_OPTION, loadInput, titlesOf, ZERO_BASED_OPTION, type LoadedInput } from '../inputs.js';
import { saveModelDir, type CliModelMeta } from '../model-store.js';
import { BACKEND_OPTION, buildModel, initBackend, MODEL_KINDS, OPTIMIZERS, TASKS, trainModel, type ModelKind, type Task } from '../modeling.js';
import { checkOutputs, describeKept, type PlannedInput, type PlannedOutput } from '../output-plan.js';
import { evaluateTest, checkTaskData } from '../test-eval.js';
import { userItemLayout, userItemPairs } from '../ranking.js';
import { chooseEngine, inspectModel } from '@fm/train';
import { readModelDir } from '@fm/train/node';
import { printSummary, summarize } from '../summary.js';
import { fmtNum } from '../text.js';

/** Training data as the train command sees it. */
interface TrainData {
  dataset: SparseDataset;
  encoder?: Encoder;
  titles?: Map<number, string>;
  source: string;
}

async function loadTrainData(v: { data: string; format?: string; columns?: string; seed: number; 'zero-based': boolean }, ctx: CommandContext): Promise<TrainData> {
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
    zeroBased: v['zero-based'],
    signal: ctx.signal,
  });
  if (input.zeroBased) ctx.note(`${v.data}: libFM indices are 0-based (index 0 seen); indices are categorical ids either way`);
  return {
    dataset: input.dataset,
    ...(input.encoder ? { encoder: input.encoder } : {}),
    ...(input.titles ? { titles: input.titles } : {}),
    source: v.data,
  };
}

/** The last completed epoch saved in a checkpoint directory, or undefined when there is none. */
async function checkpointEpoch(dir: string): Promise<number | undefined> {
  try {
    const { files } = await readModelDir(dir);
    const trainer = files['trainer.json'];
    return trainer ? (JSON.parse(new TextDecoder().decode(trainer)) as { epoch: number }).epoch : undefined;
  } catch {
    return undefined;
  }
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
synthetic uses a seeded MovieLens-100K-shaped ratings set. Every input and output is checked before
training starts. Progress goes to stderr: a redrawn bar on a terminal, one line per epoch otherwise.
The model directory (the @fm/train format: model.json, fm.json, a version folder with the weights,
the encoder and the training interactions) replaces an older model there as one unit, and is saved
before the --test evaluation. Ctrl-C stops at the next batch and leaves --out as it was; with
--checkpoint DIR a checkpoint is kept that --resume DIR continues from.`,
  options: {
    data: { type: 'string', short: 'd', placeholder: 'FILE', required: true, description: 'training data file, or "synthetic"' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
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
    test: { type: 'string', placeholder: 'FILE', description: 'test file, evaluated after the model is saved' },
    negatives: { type: 'int', min: 1, description: 'binary task on positive-only data: sampled negatives per positive' },
    checkpoint: { type: 'string', placeholder: 'DIR', description: 'keep a checkpoint in DIR (each --checkpoint-every epochs, at the end, and on Ctrl-C)' },
    'checkpoint-every': { type: 'int', min: 1, placeholder: 'N', description: 'epochs between checkpoints (default 1)' },
    resume: { type: 'string', placeholder: 'DIR', description: 'continue from the checkpoint in DIR (same data and flags)' },
    backend: BACKEND_OPTION,
    engine: { type: 'enum', choices: ['auto', 'native', 'tfjs'], default: 'auto', description: 'training engine: native TypeScript kernels (lr, fm, ffm, mf) or tfjs (every model, GPU backends); auto picks and says why' },
    seed: { type: 'int', default: 42, description: 'random seed (init, shuffling, synthetic data)' },
    force: { type: 'boolean', description: 'write --out into an existing directory that is not an fm model directory' },
    out: { type: 'string', short: 'o', placeholder: 'MODEL_DIR', required: true, description: 'model directory to write' },
  },
  examples: [
    'fm train --data synthetic --model fm --epochs 10 --out out/fm-model',
    'fm train --data ml-100k/ua.base --test ml-100k/ua.test --model fm --validation 0.1 --out out/ml-fm',
    'fm train --data out/train.tsv --format movielens --task ranking --checkpoint out/ck --out out/bpr',
    'fm train --data out/train.arrow --model mf --task ranking --out out/mf-bpr --json',
  ],
  async run({ values: v }, ctx) {
    const t0 = performance.now();
    const task = v.task as Task;
    const kind = v.model as ModelKind;
    // 1. Flags, inputs and outputs, before anything expensive.
    let validation: SparseDataset | { fraction: number } | undefined;
    let validationFile: string | undefined;
    if (v.validation !== undefined) {
      const f = Number(v.validation);
      if (v.validation.trim() !== '' && Number.isFinite(f)) {
        if (!(f > 0 && f < 1)) throw new UsageError(`fm train: --validation expects a fraction in (0, 1) or a file, got "${v.validation}"`, 'train');
        validation = { fraction: f };
      } else validationFile = v.validation;
    }
    if (v.patience !== undefined && v.validation === undefined) {
      throw new UsageError('fm train: --patience needs --validation (a fraction or a file)', 'train');
    }
    if (v['checkpoint-every'] !== undefined && v.checkpoint === undefined) {
      throw new UsageError('fm train: --checkpoint-every needs --checkpoint DIR', 'train');
    }
    const inputs: PlannedInput[] = [];
    if (v.data !== 'synthetic') inputs.push({ flag: '--data', path: v.data });
    if (validationFile !== undefined) inputs.push({ flag: '--validation', path: validationFile });
    if (v.test !== undefined) inputs.push({ flag: '--test', path: v.test });
    for (const i of inputs) await checkInputPath(i.path, i.flag, true);
    if (v.resume !== undefined) {
      const st = await stat(v.resume).catch(() => undefined);
      if (!st?.isDirectory()) throw new CliError(`--resume ${v.resume}: no such checkpoint directory`);
      if (v.resume !== v.checkpoint) inputs.push({ flag: '--resume', path: v.resume });
    }
    const outputs: PlannedOutput[] = [{ flag: '--out', path: v.out, kind: 'dir' }];
    if (v.checkpoint !== undefined) outputs.push({ flag: '--checkpoint', path: v.checkpoint, kind: 'dir' });
    await checkOutputs('train', inputs, outputs, v.force);
    ctx.kept = await describeKept(outputs.slice(0, 1));

    const backend = await initBackend(v.backend, ctx);
    const data = await loadTrainData(v, ctx);
    const train = data.dataset;
    const fmt = { ...(v.format !== undefined ? { format: v.format } : {}), ...(v.columns !== undefined ? { columns: v.columns } : {}), zeroBased: v['zero-based'], signal: ctx.signal };
    const withEncoder = async (path: string, flag: string): Promise<LoadedInput> => {
      const input = await loadInput(path, { command: 'train', flag, ...(data.encoder ? { encoder: data.encoder } : {}), ...fmt });
      if (!input.dataset.schema.equals(train.schema)) {
        throw new CliError(`${flag} ${path}: its fields differ from the training data's (${train.schema.fields.map((f) => f.name).join(', ')}); encode both with the same encoder (fm encode --encoder)`);
      }
      const note = input.unseen ? describeUnseen(path, input.unseen, input.dataset.numRows) : undefined;
      if (note) ctx.note(note);
      return input;
    };
    if (validationFile !== undefined) validation = (await withEncoder(validationFile, '--validation')).dataset;
    const test = v.test !== undefined ? await withEncoder(v.test, '--test') : undefined;
    for (const note of checkTaskData(task, train, data.source, test)) ctx.note(note);
    const layout = (() => {
      try {
        return userItemLayout(train.schema, data.source);
      } catch {
        return undefined;
      }
    })();
    if (!ctx.json) printSummary(ctx, summarize(train), `training data ${data.source}`);
    const model = buildModel(kind, train, { seed: v.seed, ...(v.dim !== undefined ? { dim: v.dim } : {}), ...(v.dropout !== undefined ? { dropout: v.dropout } : {}) });
    ctx.print(`model ${kind} (${model.countParams().toLocaleString('en-US')} parameters), task ${task}`);
    const engine = chooseEngine(model, inspectModel(model), v.engine as 'auto' | 'native' | 'tfjs', backend.backend);
    ctx.print(`engine: ${engine.name} (${engine.reason})`);
    try {
      ctx.signal.throwIfAborted();
      // 2. Training.
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
          ...(v.checkpoint !== undefined ? { checkpoint: v.checkpoint } : {}),
          ...(v['checkpoint-every'] !== undefined ? { checkpointEvery: v['checkpoint-every'] } : {}),
          ...(v.resume !== undefined ? { resume: v.resume } : {}),
        },
        ctx,
      );
      if (outcome.stopReason === 'aborted' || ctx.signal.aborted) {
        let ck = '';
        if (v.checkpoint !== undefined) {
          const at = await checkpointEpoch(v.checkpoint);
          ck = at === undefined ? `; no checkpoint yet in ${v.checkpoint} (stopped in the first epoch)` : `; checkpoint of epoch ${at} in ${v.checkpoint}: run the same command with --resume ${v.checkpoint} to continue`;
        }
        throw new InterruptedError(`stopped in epoch ${outcome.epochs}: ${ctx.kept}${ck}`);
      }
      // 3. Save, then evaluate: a failing evaluation never loses the model.
      const stats = labelStats(train);
      const pairs = layout ? { ...userItemPairs(train, layout), userField: train.schema.fields[layout.userField]!.name, itemField: train.schema.fields[layout.itemField]!.name } : undefined;
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
      };
      const meta: CliModelMeta = {
        task,
        schema: train.schema.toJSON(),
        labelMean: stats.mean,
        ratingRange: stats.range,
        ...(data.titles ? { titles: Object.fromEntries([...data.titles].map(([k, t]) => [String(k), t])) } : {}),
        training,
      };
      await saveModelDir(v.out, model, meta, { ...(data.encoder ? { encoder: data.encoder } : {}), ...(pairs ? { pairs } : {}) });
      ctx.kept = `the model was saved to ${v.out}`;
      ctx.print(`trained ${outcome.epochs} epochs in ${outcome.wallSeconds.toFixed(1)}s (${fmtNum(Math.round(outcome.examplesPerSecond))} examples/s, ${outcome.engine} engine${outcome.threads > 1 ? ` on ${outcome.threads} threads` : ''}, backend ${backend.backend}), final loss ${outcome.finalLoss.toFixed(4)}`);
      if (outcome.valMetrics) ctx.print(`validation: ${Object.entries(outcome.valMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      ctx.print(`saved model to ${v.out}`);
      let testMetrics: Record<string, number> | undefined;
      if (test) {
        testMetrics = await evaluateTest(model, task, test.dataset, { range: stats.range, layout, trainPairs: pairs, seed: v.seed });
        if (Object.keys(testMetrics).length === 0) ctx.note(`test ${v.test}: no ranking metrics (a test user has interacted with every item, so no negative can be drawn)`);
        else ctx.print(`test ${v.test}: ${Object.entries(testMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      }
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
        test: testMetrics ?? null,
        out: v.out,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      model.dispose();
    }
  },
});
