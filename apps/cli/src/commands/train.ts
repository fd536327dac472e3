import { stat } from 'node:fs/promises';
import { encodeInteractions, generateRatings, SparseDataset, type Encoder, type HashingConfig, type HashReport } from '@fm/data';
import { ShardedDataset } from '@fm/data/node';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, InterruptedError, UsageError } from '../errors.js';
import { checkFormatFlags, checkInputPath, COLUMNS_OPTION, describeUnseen, FORMAT_OPTION, formatFlags, loadInput, titlesOf, ZERO_BASED_OPTION, type LoadedInput } from '../inputs.js';
import { disposeModel, saveModelDir, type CliModelMeta } from '../model-store.js';
import { BACKEND_OPTION, WASM_THREADS_OPTION, buildModel, buildTrainModel, checkDropoutFlag, trainsNatively, initBackend, MODEL_KINDS, OPTIMIZERS, TASKS, trainModel, type ModelKind, type Task } from '../modeling.js';
import { checkOutputs, describeKept, type PlannedInput, type PlannedOutput } from '../output-plan.js';
import { evaluateTest, checkTaskData } from '../test-eval.js';
import { userItemLayout, userItemPairs } from '../ranking.js';
import { sideScorer, trySideLayout } from '../side-recommend.js';
import type * as tf from '@tensorflow/tfjs';
import { chooseEngine, chooseNativeModelEngine, inspectModel, isNativeModel, type NativeModel } from '@fm/train';
import { readModelDir } from '@fm/train/node';
import { printSummary, summarize } from '../summary.js';
import { streamPointwise, describeHashReport, describeShards, HASH_BITS_OPTION, HASH_SEED_OPTION, hashingFlags, isShardDir, openShards, SHUFFLE_BUFFER_OPTION } from '../shard-input.js';
import { checkGrowth, loadInitFrom, warmStartModel } from '../warm-start.js';
import { fmtNum } from '../text.js';
import { BAYES_DEFAULTS, DEFAULT_VALIDATION_FRACTION, TRAINING_DEFAULTS } from '@fm/train';
import { resolveSolver, SOLVER_OPTIONS } from '../solver-flags.js';
import { checkSideWithNegatives, describeSide, describeSideMissing, readSideFlags, SIDE_FEATURE_OPTIONS, type SideBundle, type SideMissing } from '../side-features.js';

/** Training data as the train command sees it: rows in memory, or a shard directory streamed. */
interface TrainData {
  dataset: SparseDataset | ShardedDataset;
  encoder?: Encoder;
  titles?: Map<number, string>;
  source: string;
  hashReport?: HashReport;
  /** With side features: training rows whose id a side table lacks. */
  sideMissing?: SideMissing;
}

async function loadTrainData(
  v: { data: string; format?: string; columns?: string; seed: number; 'zero-based': boolean },
  ctx: CommandContext,
  side?: SideBundle,
  extra: { encoder?: Encoder; hashing?: HashingConfig } = {},
): Promise<TrainData> {
  if (await isShardDir(v.data)) {
    if (extra.hashing) throw new UsageError(`fm train: --data ${v.data} is a shard directory, already encoded; hash when encoding (fm encode --shards --hash-bits)`, 'train');
    if (side) throw new UsageError(`fm train: side features need MovieLens or CSV data; --data ${v.data} is a shard directory`, 'train');
    const sd = await openShards(v.data, '--data');
    const encoder = sd.encoder();
    return { dataset: sd, ...(encoder ? { encoder } : {}), source: v.data };
  }
  if (v.data === 'synthetic') {
    if (side) throw new UsageError('fm train: side features need a data file (MovieLens or CSV), not --data synthetic', 'train');
    const gen = generateRatings({ seed: v.seed, round: true });
    const { dataset, encoder } = encodeInteractions(gen.interactions);
    ctx.note(`synthetic ratings: ${gen.numUsers} users x ${gen.numItems} items, ${gen.interactions.length} ratings (best achievable RMSE ${gen.bestRmse.toFixed(4)})`);
    const titles = titlesOf(gen.items);
    return { dataset, encoder, ...(titles ? { titles } : {}), source: 'synthetic' };
  }
  if (extra.hashing && v.data === 'synthetic') throw new UsageError('fm train: --hash-bits needs a raw data file', 'train');
  const input = await loadInput(v.data, {
    ...(extra.encoder ? { encoder: extra.encoder, grow: true } : {}),
    ...(extra.hashing ? { hashing: extra.hashing } : {}),
    command: 'train',
    ...formatFlags(v),
    signal: ctx.signal,
    ...(side ? { side } : {}),
  });
  if (side) {
    // rated/raters of later files (validation, test, eval, recommend) come from the training log
    if (input.interactions) side.implicit = input.interactions;
    ctx.print(`side features: ${describeSide(side)}`);
    if (input.sideMissing) for (const line of describeSideMissing(v.data, input.sideMissing, input.dataset.numRows)) ctx.note(line);
  }
  if (input.zeroBased) ctx.note(`${v.data}: libFM indices are 0-based (index 0 seen); indices are categorical ids either way`);
  if (input.hashReport) ctx.note(describeHashReport(input.hashReport));
  return {
    dataset: input.dataset,
    ...(input.encoder ? { encoder: input.encoder } : {}),
    ...(input.titles ? { titles: input.titles } : {}),
    ...(input.sideMissing ? { sideMissing: input.sideMissing } : {}),
    source: v.data,
    ...(input.hashReport ? { hashReport: input.hashReport } : {}),
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
  summary: 'train a model (fm, ffm, mf, lr, deepfm, … 21 kinds: see --model) and save it to a directory',
  usage: 'train --data FILE|SHARD_DIR|synthetic --model KIND --task TASK [flags] --out MODEL_DIR',
  description: `
Reads raw files (MovieLens, CSV with --columns, libFM, libFFM) or encoded .arrow files; --data
synthetic uses a seeded MovieLens-100K-shaped ratings set. Every input and output is checked before
training starts. Progress goes to stderr: a redrawn bar on a terminal, one line per epoch otherwise.
The model directory (the @fm/train format: model.json, fm.json, a version folder with the weights,
the encoder and the training interactions) replaces an older model there as one unit, and is saved
before the --test evaluation. Ctrl-C stops at the next batch and leaves --out as it was; with
--checkpoint DIR a checkpoint is kept that --resume DIR continues from.

--solver mcmc (Bayesian FM by Gibbs sampling: no learning rate, no L2) or als (coordinate descent)
trains fm, lr or mf natively for --iterations sweeps (default 200, k=8), printing the running --test
metrics each iteration; --solver sgd|adam|adagrad|ftrl is --optimizer. Side features: --features
genres,age,gender,occupation,rated (MovieLens: u.item/u.user beside --data), --user-features and
--item-features (CSV typed by --user-columns/--item-columns, key=ID joins); they are saved with the
model, and eval/recommend apply them.

A shard directory (fm encode --shards, fm generate ctr --format shards) is streamed: shards in a seeded
order through a shuffle buffer of --shuffle-buffer rows, so memory follows the model and the buffer; with
a buffer holding every row the run equals the in-memory one. --validation then takes a file or a shard
directory. --hash-bits B hashes a raw file's categorical fields into 2^B ids each (collisions reported).
--init-from MODEL_DIR continues a saved model on new data: vocabularies grow with the new ids (raw files on
the fly; shard directories via fm encode --shards --encoder MODEL_DIR --grow), new ids start as in a fresh
model, saved weights are kept, and the optimizer state starts fresh.`,
  options: {
    data: { type: 'string', short: 'd', placeholder: 'FILE', required: true, description: 'training data file, shard directory (streamed), or "synthetic"' },
    format: FORMAT_OPTION,
    columns: COLUMNS_OPTION,
    'zero-based': ZERO_BASED_OPTION,
    model: { type: 'enum', short: 'm', choices: MODEL_KINDS, default: 'fm', description: 'model kind' },
    task: { type: 'enum', choices: TASKS, default: 'regression', description: 'loss: MSE, log loss, or BPR' },
    epochs: { type: 'int', short: 'e', min: 1, max: 100000, description: 'epochs (default: the trainer\'s)' },
    'batch-size': { type: 'int', short: 'b', min: 1, placeholder: 'N', description: 'mini-batch size (default: 1 for lr/fm/ffm/mf; deep models 256, doubled up to 2048 while an epoch keeps ≥ 256 steps)' },
    dim: { type: 'int', short: 'k', min: 1, max: 4096, description: 'latent dimension k (default 16; 8 with --solver mcmc|als)' },
    lr: { type: 'number', min: 0, exclusiveMin: true, description: 'learning rate (default per model family and optimizer; deep models with Adam: 2e-3·∛(batch / 256) from batch 256 up)' },
    optimizer: { type: 'enum', choices: OPTIMIZERS, description: 'optimizer (default: the trainer\'s)' },
    ...SOLVER_OPTIONS,
    ...SIDE_FEATURE_OPTIONS,
    l2: { type: 'number', min: 0, description: 'L2 regularisation' },
    dropout: { type: 'number', min: 0, max: 1, exclusiveMax: true, description: "dropout rate while training: AFM's pooled attention output, IPNN's product layer and every MLP's hidden layers (an error on a model without them)" },
    'no-normalize': { type: 'boolean', description: "ffm: turn off libffm's instance-wise normalisation (the pair term × 1/Σx²); the fm family's defaults then apply" },
    'no-linear': {
      type: 'boolean',
      description: "ffm: libffm's model, the bias and the pairs without the linear term (its weights stay 0; fewer memory reads, faster steps); --solver mcmc/als: an FM without its linear part",
    },
    validation: { type: 'string', placeholder: 'F|FILE', description: 'validation: a fraction of train (e.g. 0.1) or a file' },
    patience: { type: 'int', min: 1, description: `early stopping patience in epochs, on --validation or else the ${DEFAULT_VALIDATION_FRACTION * 100} % of --data held out (default ${TRAINING_DEFAULTS.regression.deep.patience} for deep models and ranking, else ${TRAINING_DEFAULTS.regression.fm.patience})` },
    test: { type: 'string', placeholder: 'FILE', description: 'test file, evaluated after the model is saved' },
    negatives: { type: 'int', min: 1, description: 'binary task on positive-only data: sampled negatives per positive' },
    checkpoint: { type: 'string', placeholder: 'DIR', description: 'keep a checkpoint in DIR (each --checkpoint-every epochs, at the end, and on Ctrl-C)' },
    'checkpoint-every': { type: 'int', min: 1, placeholder: 'N', description: 'epochs between checkpoints (default 1)' },
    threads: {
      type: 'int',
      min: 1,
      placeholder: 'N',
      description:
        'worker threads: the native engine\'s Hogwild threads (default: 2-4 on a big table and epoch where the machine has the cores, else 1; 1 gives the same model for the same --seed), ' +
        'or --solver mcmc/als sweep threads (default: up to 4 on large data; the same model for any count, at most 8)',
    },
    resume: { type: 'string', placeholder: 'DIR', description: 'continue from the checkpoint in DIR (same data and flags)' },
    'init-from': { type: 'string', placeholder: 'MODEL_DIR', description: 'continue a saved model on new data: new ids get fresh rows, saved weights are kept, the optimizer starts fresh' },
    'shuffle-buffer': SHUFFLE_BUFFER_OPTION,
    'hash-bits': HASH_BITS_OPTION,
    'hash-seed': HASH_SEED_OPTION,
    backend: BACKEND_OPTION,
    'wasm-threads': WASM_THREADS_OPTION,
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
    'fm train --data out/ctr-shards --task binary --validation out/held-out --out out/ctr-fm',
    'fm train --data out/day2 --init-from out/ctr-fm --task binary --out out/ctr-fm-day2',
    'fm train --data ml-100k/ua.base --test ml-100k/ua.test --solver mcmc --iterations 200 --out out/ml-mcmc',
  ],
  async run({ values: v }, ctx) {
    const t0 = performance.now();
    const task = v.task as Task;
    const kind = v.model as ModelKind;
    // 1. Flags, inputs and outputs, before anything expensive.
    const solver = resolveSolver(v, kind, task);
    if (v['init-from'] !== undefined) {
      for (const flag of ['dropout', 'no-normalize', 'no-linear'] as const) {
        if (v[flag] !== undefined && v[flag] !== false) throw new UsageError(`fm train: --init-from keeps the saved model's layers and their settings; drop --${flag}`, 'train');
      }
    }
    if (v.negatives !== undefined && task !== 'binary') {
      throw new UsageError(`fm train: --negatives applies to --task binary (sampled negatives for positive-only data)${task === 'ranking' ? '; --task ranking pairs each positive with one sampled negative' : ''}`, 'train');
    }
    if (v['init-from'] === undefined) checkDropoutFlag(kind, v.dropout);
    if (v['no-normalize'] && kind !== 'ffm') throw new UsageError(`fm train: --no-normalize applies to --model ffm only (got --model ${kind})`, 'train');
    const bayes = solver.solver !== 'gradient' ? solver : undefined;
    if (v['no-linear'] && !bayes && kind !== 'ffm') {
      throw new UsageError(`fm train: --no-linear applies to --model ffm (libffm's model) and to --solver mcmc or als (got --model ${kind} with --solver ${solver.solver === 'gradient' ? (solver.optimizer ?? 'the default optimizer') : solver.solver})`, 'train');
    }
    let validation: SparseDataset | { fraction: number } | undefined;
    let validationFile: string | undefined;
    if (v.validation !== undefined) {
      const f = Number(v.validation);
      if (v.validation.trim() !== '' && Number.isFinite(f)) {
        if (!(f > 0 && f < 1)) throw new UsageError(`fm train: --validation expects a fraction in (0, 1) or a file, got "${v.validation}"`, 'train');
        validation = { fraction: f };
      } else validationFile = v.validation;
    }
    if (v['checkpoint-every'] !== undefined && v.checkpoint === undefined) {
      throw new UsageError('fm train: --checkpoint-every needs --checkpoint DIR', 'train');
    }
    const inputs: PlannedInput[] = [];
    if (v.data !== 'synthetic') inputs.push({ flag: '--data', path: v.data });
    if (v['init-from'] !== undefined) {
      if (v.resume !== undefined) throw new UsageError('fm train: --init-from starts a new run from a saved model; --resume continues a checkpointed one: give one of them', 'train');
      if (v['hash-bits'] !== undefined) throw new UsageError('fm train: --init-from keeps the saved model\'s encoding (hashed or not); drop --hash-bits', 'train');
      inputs.push({ flag: '--init-from', path: v['init-from'] });
    }
    if (validationFile !== undefined) inputs.push({ flag: '--validation', path: validationFile });
    if (v.test !== undefined) inputs.push({ flag: '--test', path: v.test });
    for (const i of inputs) await checkInputPath(i.path, i.flag, true);
    await checkFormatFlags('train', v, [v.data, validationFile, v.test]);
    if (v.resume !== undefined) {
      const st = await stat(v.resume).catch(() => undefined);
      if (!st?.isDirectory()) throw new CliError(`--resume ${v.resume}: no such checkpoint directory`);
      if (v.resume !== v.checkpoint) inputs.push({ flag: '--resume', path: v.resume });
    }
    const outputs: PlannedOutput[] = [{ flag: '--out', path: v.out, kind: 'dir' }];
    if (v.checkpoint !== undefined) outputs.push({ flag: '--checkpoint', path: v.checkpoint, kind: 'dir' });
    await checkOutputs('train', inputs, outputs, v.force);
    ctx.kept = await describeKept(outputs.slice(0, 1));

    const side = await readSideFlags(v, 'train');
    checkSideWithNegatives(side, task, v.negatives);
    const backend = await initBackend(v.backend, ctx, v['wasm-threads']);
    const init = v['init-from'] !== undefined ? await loadInitFrom(v['init-from'], { model: v.model, engine: v.engine as string, backend: backend.backend, ...(v.dim !== undefined ? { dim: v.dim } : {}) }) : undefined;
    if (init && bayes) {
      disposeModel(init.model);
      throw new UsageError(`fm train: --init-from continues gradient training; --solver ${bayes.solver} starts from its own priors`, 'train');
    }
    const trainedKind = (init ? init.meta.kind : kind) as ModelKind;
    if (v.threads !== undefined && bayes === undefined && !trainsNatively(trainedKind, v.engine as string, backend.backend)) {
      if (init) disposeModel(init.model);
      throw new UsageError(
        `fm train: --threads applies to the native engine's gradient training (--model lr, fm, ffm or mf on the cpu or wasm backend, or with --engine native) ` +
          `and to --solver mcmc or als; this run trains a ${trainedKind} model with tfjs on backend ${backend.backend}: drop --threads`,
        'train',
      );
    }
    if (v['no-linear'] && bayes === undefined && !trainsNatively(trainedKind, v.engine as string, backend.backend)) {
      if (init) disposeModel(init.model);
      throw new UsageError(`fm train: --no-linear trains FFM on the native engine (the cpu or wasm backend, or --engine native); this run trains it with tfjs on backend ${backend.backend}`, 'train');
    }
    if (v.threads !== undefined && bayes !== undefined && v.threads > 8) throw new UsageError(`fm train: --threads ${v.threads}: --solver ${bayes.solver} runs on at most 8 threads`, 'train');
    const hashing = hashingFlags('train', v['hash-bits'], v['hash-seed']);
    const data = await loadTrainData(v, ctx, side, { ...(init?.encoder ? { encoder: init.encoder } : {}), ...(hashing ? { hashing } : {}) });
    const train = data.dataset;
    const stream = train instanceof ShardedDataset ? train : undefined;
    if (init) checkGrowth(init, train.schema, data.encoder, `--data ${data.source}`);
    if (stream && validation && !(validation instanceof SparseDataset)) {
      throw new UsageError(`fm train: --data ${v.data} is streamed from shards: --validation takes a file or shard directory (e.g. a held-out day), not a fraction`, 'train');
    }
    if (stream && v.patience !== undefined && v.validation === undefined) {
      throw new UsageError(`fm train: --patience needs --validation when --data is streamed from shards (${v.data} holds nothing out by itself): give a held-out file or shard directory`, 'train');
    }
    if (stream && v.negatives !== undefined) throw new UsageError('fm train: --negatives needs the training rows in memory; shard directories are streamed', 'train');
    if (!stream && v['shuffle-buffer'] !== undefined) ctx.note(`--shuffle-buffer applies to shard directories; ${data.source} is shuffled in memory`);
    const fmt = { ...formatFlags(v), signal: ctx.signal };
    const withEncoder = async (path: string, flag: string): Promise<LoadedInput> => {
      const input = await loadInput(path, { command: 'train', flag, ...(data.encoder ? { encoder: data.encoder } : {}), ...(side ? { side } : {}), ...fmt });
      if (input.sideMissing) for (const line of describeSideMissing(path, input.sideMissing, input.dataset.numRows)) ctx.note(line);
      if (!input.dataset.schema.equals(train.schema)) {
        throw new CliError(`${flag} ${path}: its fields differ from the training data's (${train.schema.fields.map((f) => f.name).join(', ')}); encode both with the same encoder (fm encode --encoder)`);
      }
      const note = input.unseen ? describeUnseen(path, input.unseen, input.dataset.numRows) : undefined;
      if (note) ctx.note(note);
      return input;
    };
    if (validationFile !== undefined) validation = (await withEncoder(validationFile, '--validation')).dataset;
    // a shard directory as --test is streamed after training (pointwise metrics)
    const testShards = v.test !== undefined && task !== 'ranking' && (await isShardDir(v.test)) ? await openShards(v.test, '--test') : undefined;
    const test = v.test !== undefined && !testShards ? await withEncoder(v.test, '--test') : undefined;
    if (stream) {
      if (task === 'ranking') throw new UsageError('fm train: --task ranking draws negatives from every positive in memory; shard directories are streamed (use a file)', 'train');
      if (test) checkTaskData(task, test.dataset, test.path);
    } else for (const note of checkTaskData(task, train as SparseDataset, data.source, test, side !== undefined)) ctx.note(note);
    const layout = (() => {
      if (stream) return undefined;
      try {
        return userItemLayout(train.schema, data.source);
      } catch {
        return undefined;
      }
    })();
    if (!ctx.json) {
      if (stream) ctx.print(`training data ${data.source}: ${describeShards(stream)}, streamed (shuffle buffer ${fmtNum(Math.min(stream.numRows, v['shuffle-buffer'] ?? stream.defaultShuffleBuffer))} rows)`);
      else printSummary(ctx, summarize(train as SparseDataset), `training data ${data.source}`);
    }
    if (stream && bayes) throw new UsageError(`fm train: --solver ${bayes.solver} needs the training rows in memory; --data ${v.data} is a shard directory (streamed)`, 'train');
    const dim = v.dim ?? (bayes ? BAYES_DEFAULTS.k : undefined);
    const build = {
      seed: v.seed,
      ...(dim !== undefined ? { dim } : {}),
      ...(v.dropout !== undefined ? { dropout: v.dropout } : {}),
      ...(v['no-normalize'] ? { normalize: false } : {}),
    };
    // gradient training of LR/FM/FFM/MF on cpu/wasm: a NativeModel (the table held once); MCMC/ALS build their own
    const model: tf.LayersModel | NativeModel = init
      ? await warmStartModel(init, train, ctx)
      : bayes
        ? buildModel(kind, train, build)
        : await buildTrainModel(kind, train, { ...build, engine: v.engine as string, backend: backend.backend }, ctx);
    const modelKind = init ? init.meta.kind : kind;
    ctx.print(`model ${modelKind} (${model.countParams().toLocaleString('en-US')} parameters), task ${task}`);
    let chosenReason: string | undefined;
    if (bayes) {
      if (bayes.burnIn === undefined && bayes.solver === 'mcmc' && bayes.iterations <= BAYES_DEFAULTS.burnIn) {
        ctx.note(`--iterations ${bayes.iterations} ≤ the default burn-in ${BAYES_DEFAULTS.burnIn}: no sample is averaged, predictions use the last one (set --burn-in)`);
      }
      // MCMC/ALS track a held-out set each iteration (no early stopping, so nothing is chosen on it)
      if (validation === undefined && test) validation = test.dataset;
      ctx.print(`solver: ${bayes.solver}, ${bayes.iterations} iterations${bayes.solver === 'mcmc' ? `, burn-in ${bayes.burnIn ?? BAYES_DEFAULTS.burnIn}` : ''}, k=${dim}, native${validation === test?.dataset && test ? `; tracking --test ${v.test} each iteration` : ''}`);
    } else {
      const engine = isNativeModel(model) ? chooseNativeModelEngine(model.kind, v.engine as string, backend.backend) : chooseEngine(model, inspectModel(model), v.engine as 'auto' | 'native' | 'tfjs', backend.backend);
      ctx.print(`engine: ${engine.name} (${engine.reason})`);
      chosenReason = engine.reason;
    }
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
          ...(solver.solver === 'gradient' && solver.optimizer !== undefined ? { optimizer: solver.optimizer } : {}),
          ...(bayes
            ? {
                solver: bayes.solver,
                epochs: bayes.iterations,
                bayes: { ...(bayes.burnIn !== undefined ? { burnIn: bayes.burnIn } : {}), ...(bayes.initStd !== undefined ? { initStd: bayes.initStd } : {}) },
                ...(v.validation === undefined && test ? { validationLabel: 'test' } : {}),
              }
            : {}),
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
          ...(v['shuffle-buffer'] !== undefined && stream ? { shuffleBuffer: v['shuffle-buffer'] } : {}),
          ...(v.threads !== undefined ? { threads: v.threads } : {}),
          ...(v['no-linear'] ? { linear: false } : {}),
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
      const stats = stream ? { mean: outcome.labelMean, range: outcome.labelRange } : labelStats(train as SparseDataset);
      // the training interactions, recorded for ranking evaluation later (fm eval leaves them out of the candidates)
      const pairsLayout = layout ?? (side && !stream ? trySideLayout(train.schema) : undefined);
      const pairs = pairsLayout && !stream ? { ...userItemPairs(train as SparseDataset, pairsLayout), userField: train.schema.fields[pairsLayout.userField]!.name, itemField: train.schema.fields[pairsLayout.itemField]!.name } : undefined;
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
        ...(outcome.optimization ? { optimization: outcome.optimization } : {}),
        flags: { epochs: v.epochs, batchSize: v['batch-size'], dim: dim ?? (init?.meta.training?.['flags'] as { dim?: number } | undefined)?.dim, lr: v.lr, optimizer: v.optimizer, l2: v.l2, seed: v.seed },
        solver: bayes ? bayes.solver : (solver.solver === 'gradient' ? (solver.optimizer ?? 'default optimizer') : ''),
        ...(bayes ? { iterations: bayes.iterations, burnIn: bayes.solver === 'mcmc' ? (bayes.burnIn ?? BAYES_DEFAULTS.burnIn) : null, initStd: bayes.initStd ?? BAYES_DEFAULTS.initStd } : {}),
        ...(init ? { initFrom: v['init-from'] } : {}),
        ...(stream ? { shards: stream.numShards, shuffleBuffer: Math.min(stream.numRows, v['shuffle-buffer'] ?? stream.defaultShuffleBuffer) } : {}),
        ...(outcome.valMetrics ? { valMetrics: outcome.valMetrics } : {}),
        ...(side ? { sideFeatures: { features: side.features, sources: side.sources } } : {}),
      };
      const meta: CliModelMeta = {
        task,
        schema: train.schema.toJSON(),
        labelMean: stats.mean,
        ratingRange: stats.range,
        ...(data.titles ? { titles: Object.fromEntries([...data.titles].map(([k, t]) => [String(k), t])) } : {}),
        training,
      };
      await saveModelDir(v.out, model, meta, { ...(data.encoder ? { encoder: data.encoder } : {}), ...(pairs ? { pairs } : {}), ...(side ? { side } : {}) });
      ctx.kept = `the model was saved to ${v.out}`;
      // fit() settles what the choice above could not know yet (FFM's WebAssembly SIMD step, Hogwild threads)
      if (chosenReason !== undefined && outcome.engineReason !== chosenReason) ctx.print(`engine as run: ${outcome.engine} (${outcome.engineReason})`);
      const opt = outcome.optimization;
      const steps = opt ? `; ${opt.optimizer}, lr ${Number(opt.learningRate.toPrecision(3))}, batch ${opt.batchSize}` : '';
      ctx.print(`trained ${outcome.epochs} ${bayes ? `${bayes.solver} iterations` : 'epochs'} in ${outcome.wallSeconds.toFixed(1)}s (${fmtNum(Math.round(outcome.examplesPerSecond))} examples/s, ${outcome.engine} engine${outcome.threads > 1 ? ` on ${outcome.threads} threads` : ''}, backend ${backend.backend}${steps}), final loss ${outcome.finalLoss.toFixed(4)}`);
      const es = outcome.earlyStopping;
      if (outcome.stopReason === 'early-stopping' && es !== undefined) {
        const best = outcome.bestEpoch ?? outcome.epochs;
        ctx.print(`stopped early: validation ${es.metric} no better than epoch ${best}'s for ${outcome.epochs - best} epochs (patience ${es.patience}); the model is epoch ${best}'s`);
      }
      const tracksTest = bayes !== undefined && test !== undefined && validation === test.dataset;
      if (outcome.valMetrics) {
        const heldOut = v.validation === undefined && !tracksTest ? ` (${DEFAULT_VALIDATION_FRACTION * 100} % of --data held out; --validation to choose)` : '';
        const what = tracksTest ? `test ${v.test}, ${bayes?.solver === 'mcmc' ? 'running mean over every sample after burn-in' : 'the last iteration'}` : `validation${heldOut}`;
        ctx.print(`${what}: ${Object.entries(outcome.valMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      }
      ctx.print(`saved model to ${v.out}`);
      let testMetrics: Record<string, number> | undefined;
      if (testShards) {
        testMetrics = await streamPointwise(model, testShards, {
          names: task === 'regression' ? ['rmse', 'mae'] : ['auc', 'logloss'],
          task,
          fieldDims: train.schema.fieldDims,
          ...(data.encoder ? { encoder: data.encoder } : {}),
          range: stats.range,
          flag: '--test',
          signal: ctx.signal,
        });
        ctx.print(`test ${v.test}: ${Object.entries(testMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      }
      // a side-feature model ranks its test items through its user and item parts (LR/FM/FFM/MF, MCMC/ALS)
      const sideRanker = task === 'ranking' && side && data.encoder && pairsLayout ? sideScorer(model, data.encoder, side, pairsLayout) : undefined;
      if (test && task === 'ranking' && side && !sideRanker) {
        ctx.note(`test ${v.test}: no ranking metrics: a ${modelKind} model with side features reads a row's slots by position (LR, FM, FFM and MF models rank through their user and item parts)`);
      } else if (test) {
        testMetrics = await evaluateTest(model, task, test.dataset, { range: stats.range, layout: pairsLayout, ...(sideRanker ? { scorer: sideRanker } : {}), trainPairs: pairs, seed: v.seed });
        if (Object.keys(testMetrics).length === 0) ctx.note(`test ${v.test}: no ranking metrics (a test user has interacted with every item, so no negative can be drawn)`);
        else ctx.print(`test ${v.test}: ${Object.entries(testMetrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
      }
      return {
        backend: backend.backend,
        backend_reason: backend.reason,
        engine: outcome.engine,
        engine_reason: outcome.engineReason,
        threads: outcome.threads,
        optimizer: outcome.optimization?.optimizer ?? null,
        learning_rate: outcome.optimization?.learningRate ?? null,
        batch_size: outcome.optimization?.batchSize ?? null,
        model: modelKind,
        task,
        rows: train.numRows,
        ...(stream ? { shards: stream.numShards } : {}),
        ...(init ? { init_from: v['init-from'] } : {}),
        ...(data.hashReport ? { hashing: data.hashReport } : {}),
        epochs: outcome.epochs,
        best_epoch: outcome.bestEpoch,
        stop_reason: outcome.stopReason,
        solver: bayes ? bayes.solver : (solver.solver === 'gradient' ? (solver.optimizer ?? null) : null),
        iterations: bayes ? outcome.epochs : null,
        burn_in: bayes?.solver === 'mcmc' ? (bayes.burnIn ?? BAYES_DEFAULTS.burnIn) : null,
        init_std: bayes ? (bayes.initStd ?? BAYES_DEFAULTS.initStd) : null,
        examples_per_second: outcome.examplesPerSecond,
        wall_seconds: outcome.wallSeconds,
        final_loss: outcome.finalLoss,
        validation: tracksTest ? null : (outcome.valMetrics ?? null),
        ...(tracksTest ? { test_tracked: outcome.valMetrics ?? null } : {}),
        test: testMetrics ?? null,
        side_features: side ? { features: side.features, sources: side.sources, fields: train.schema.fields.map((f) => f.name), missing: data.sideMissing ?? {} } : null,
        out: v.out,
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      disposeModel(model);
    }
  },
});
