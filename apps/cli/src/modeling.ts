import * as tf from '@tensorflow/tfjs';
import type { DatasetSource, SparseDataset } from '@fm/data';
import { auc, logLoss, mae, rmse } from '@fm/eval';
import { createModel, MODEL_KINDS, MODEL_OPTIONS, type ModelKind } from '@fm/layers';
import { fit, isNativeModel, NativeModel, predict, selectBackend, trainsNatively, type FitResult } from '@fm/train';
import type { NativeKind } from '@fm/train/native';
import type { CommandContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { formatBar, formatDuration, ProgressReporter } from './progress.js';
import { fmtNum } from './text.js';

export { MODEL_KINDS, trainsNatively };
export type { ModelKind };

/** Backends `--backend` accepts. */
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** Training tasks. */
export const TASKS = ['regression', 'binary', 'ranking'] as const;
export type Task = (typeof TASKS)[number];
/** Optimizers. */
export const OPTIMIZERS = ['sgd', 'adam', 'adagrad', 'ftrl'] as const;

/** The `--backend` flag. */
export const BACKEND_OPTION = {
  type: 'enum',
  choices: BACKENDS,
  default: 'auto',
  description: 'tfjs backend: auto picks tensorflow (tfjs-node[-gpu], if installed) > webgpu > wasm > cpu',
} as const;

/** The `--wasm-threads` flag. */
export const WASM_THREADS_OPTION = {
  type: 'int',
  min: 1,
  max: 8,
  placeholder: 'N',
  description:
    "threads of the wasm backend's products and kernels (default 1; 2+ speeds up models with large products, e.g. fibinet or autoint at --batch 512 on many fields)",
} as const;

/** The backend chosen, and why. */
export interface BackendChoice {
  backend: string;
  reason: string;
}

/** Selects and initialises the tfjs backend; prints the choice on stderr (always). */
export async function initBackend(pref: string, ctx: CommandContext, wasmThreads?: number): Promise<BackendChoice> {
  let report;
  try {
    report = await selectBackend(pref as (typeof BACKENDS)[number], wasmThreads === undefined ? {} : { wasmThreads });
  } catch (e) {
    throw new CliError(`--backend ${pref}: ${(e as Error).message}`, { cause: e });
  }
  const choice = { backend: report.backend, reason: report.reason };
  ctx.note(`backend: ${choice.backend} (${choice.reason})`);
  return choice;
}

/** Builds a model for a dataset's schema. */
export function buildModel(kind: ModelKind, ds: Pick<SparseDataset, 'schema' | 'maxRowLength'>, opts: { dim?: number; seed: number; dropout?: number; normalize?: boolean }): tf.LayersModel {
  checkPairKind(kind, ds);
  const dropout = checkDropoutFlag(kind, opts.dropout);
  const model = createModel(kind, {
    fieldDims: ds.schema.fieldDims,
    width: Math.max(1, ds.maxRowLength),
    seed: opts.seed,
    ...(opts.dim !== undefined ? { embeddingDim: opts.dim } : {}),
    ...(dropout !== undefined ? { dropout } : {}),
    ...(opts.normalize !== undefined ? { normalize: opts.normalize } : {}),
  });
  // a kind that takes dropout may still have nothing to apply it to (AutoInt without its MLP)
  if (dropout !== undefined && !appliesDropout(model)) {
    model.dispose();
    throw noDropout(kind, dropout);
  }
  return model;
}

/** MF and NeuMF take (user, item) rows: exactly 2 fields with one id each. */
function checkPairKind(kind: ModelKind, ds: Pick<SparseDataset, 'schema' | 'maxRowLength'>): void {
  if ((kind === 'mf' || kind === 'neumf') && (ds.schema.numFields !== 2 || ds.maxRowLength !== 2)) {
    throw new CliError(
      `--model ${kind} needs exactly 2 fields (user, item) with one id each; the data has ${ds.schema.numFields} fields (${ds.schema.fields.map((f) => f.name).join(', ')})`,
    );
  }
}

/**
 * The model to train: for LR, FM, FFM and MF on the native engine (cpu or wasm backend, `--engine` auto or native) a
 * {@link NativeModel} — flat arrays the native kernels train and save directly, so a big table exists once (a
 * tfjs model keeps its own copy, and the kernels would bind another) — starting from the weights `createModel`
 * draws; otherwise {@link buildModel}'s tfjs model.
 */
export async function buildTrainModel(
  kind: ModelKind,
  ds: Pick<SparseDataset, 'schema' | 'maxRowLength'>,
  opts: { dim?: number; seed: number; dropout?: number; normalize?: boolean; engine: string; backend: string },
  ctx: CommandContext,
): Promise<tf.LayersModel | NativeModel> {
  if (!trainsNatively(kind, opts.engine, opts.backend)) return buildModel(kind, ds, opts);
  checkPairKind(kind, ds);
  checkDropoutFlag(kind, opts.dropout);
  // a big table takes a while to draw (a 1M-feature FFM at k = 16: 625M values, ~20 s): progress, and Ctrl-C
  const progress = drawProgress(ctx, DRAWING_FACTORS);
  try {
    return await NativeModel.createAsync(
      kind as NativeKind,
      {
        fieldDims: ds.schema.fieldDims,
        // the saved topology's row width, as buildModel's: loadModel gives a tfjs model that takes the training rows
        width: Math.max(1, ds.maxRowLength),
        seed: opts.seed,
        ...(opts.dim !== undefined ? { embeddingDim: opts.dim } : {}),
        ...(opts.normalize !== undefined ? { normalize: opts.normalize } : {}),
      },
      { signal: ctx.signal, onProgress: progress.onProgress },
    );
  } finally {
    progress.clear();
  }
}

/** What {@link drawProgress} says of drawing a new model's table. */
export const DRAWING_FACTORS = (total: number): string => `creating the model: drawing ${fmtNum(total)} initial factors`;

/**
 * Progress of a long step counted in units (a new model's table drawn, users recommended for): on a terminal one
 * line redrawn in place (`label(total)`, bar, share, ETA) once the step runs past a second; elsewhere nothing.
 */
export function drawProgress(ctx: CommandContext, label: (total: number) => string): { onProgress: (done: number, total: number) => void; clear: () => void } {
  const tty = ctx.stderr.isTTY === true;
  const start = performance.now();
  let drawn = false;
  return {
    onProgress(done, total) {
      const elapsed = (performance.now() - start) / 1000;
      if (!tty || done >= total || elapsed < 1) return;
      drawn = true;
      const eta = (elapsed / done) * (total - done);
      ctx.stderr.write(`\r${label(total)} ${formatBar(done, total, 20)} ${((100 * done) / total).toFixed(0)}% ETA ${formatDuration(eta)}\x1b[K`);
    },
    clear() {
      if (drawn) ctx.stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}

const noDropout = (kind: ModelKind, rate: number) =>
  new UsageError(
    `fm train: --dropout ${rate}: --model ${kind} has nothing dropout applies to (AFM's pooled attention output, IPNN's product layer, the hidden layers of an MLP); drop the flag`,
    'train',
  );

/**
 * `--dropout` against the model kind, before any data is read: the rate to build with (undefined for none or 0, which
 * asks for nothing and goes with any model), or a usage error for a kind without dropout.
 */
export function checkDropoutFlag(kind: ModelKind, rate: number | undefined): number | undefined {
  if (rate === undefined || rate <= 0) return undefined;
  if (!MODEL_OPTIONS[kind].includes('dropout')) throw noDropout(kind, rate);
  return rate;
}

/**
 * Whether a model drops anything out while training: a Dropout layer with a rate above 0, or a layer with a
 * `dropout` above 0 that uses it (AFM's attention pooling; an MLP only when it has hidden layers).
 */
export function appliesDropout(model: tf.LayersModel): boolean {
  return model.layers.some((layer) => {
    const c = layer.getConfig();
    if (layer.getClassName() === 'Dropout') return typeof c['rate'] === 'number' && c['rate'] > 0;
    const d = c['dropout'];
    if (typeof d !== 'number' || d <= 0) return false;
    const hidden = c['hiddenUnits'];
    return !Array.isArray(hidden) || hidden.length > 0;
  });
}

/** Training settings the CLI passes on to `fit` (undefined = the trainer's default). */
export interface TrainSettings {
  task: Task;
  epochs?: number;
  batchSize?: number;
  optimizer?: (typeof OPTIMIZERS)[number];
  learningRate?: number;
  l2?: number;
  seed: number;
  /** A validation set, or a fraction of train held out (seeded). */
  validation?: SparseDataset | { fraction: number };
  /** Stop when validation stops improving for this many epochs (restores the best weights). */
  patience?: number;
  /** Field holding the item id (ranking/binary with sampled negatives). */
  itemField?: string;
  negativesPerPositive?: number;
  /** 'auto' | 'native' | 'tfjs' (default auto). */
  engine?: 'auto' | 'native' | 'tfjs';
  /** Save a checkpoint into this directory (every `checkpointEvery` epochs and at the end). */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Continue from the checkpoint in this directory. */
  resume?: string;
  /** Streaming sources: rows shuffled at a time. */
  shuffleBuffer?: number;
  /** Native engine: Hogwild threads (default: fit's 'auto'). */
  threads?: number;
  /** false: no linear term (FFM on the native engine: libffm's model; MCMC/ALS: an FM without its linear part). */
  linear?: boolean;
  /** The native MCMC/ALS solvers (`fit`'s `solver`); `epochs` is then the number of iterations. */
  solver?: 'mcmc' | 'als';
  /** MCMC: burn-in iterations; MCMC/ALS: std of the initial factors. */
  bayes?: { burnIn?: number; initStd?: number };
  /** Prefix of the held-out metrics in the progress lines (default `val`). */
  validationLabel?: string;
}

/** What a training run reports. */
export interface TrainOutcome {
  epochs: number;
  bestEpoch?: number;
  finalLoss: number;
  valMetrics?: Record<string, number>;
  examplesPerSecond: number;
  wallSeconds: number;
  history: unknown[];
  labelMean: number;
  labelRange: [number, number];
  stopReason: FitResult['stopReason'];
  /** The early stopping as run (metric, patience, minDelta), undefined without validation. */
  earlyStopping: FitResult['earlyStopping'];
  /** The engine that trained and why. */
  engine: string;
  engineReason: string;
  threads: number;
  /** The gradient solver's optimizer, learning rate and batch as run (defaults resolved); undefined for MCMC/ALS. */
  optimization: { optimizer: string; learningRate: number; batchSize: number } | undefined;
}

/** Trains with a progress bar (TTY) or plain epoch lines on stderr. */
export async function trainModel(model: tf.LayersModel | NativeModel, train: SparseDataset | DatasetSource, s: TrainSettings, ctx: CommandContext): Promise<TrainOutcome> {
  const progress = new ProgressReporter(ctx.stderr);
  const epochsPlanned = s.epochs ?? 100; // the trainer's default maximum; early stopping may end sooner
  const unit = s.solver !== undefined ? 'iteration' : 'epoch';
  try {
    const r = await fit(model, train, {
      task: s.task,
      seed: s.seed,
      ...(s.solver !== undefined ? { solver: s.solver } : {}),
      ...(s.bayes !== undefined ? { bayes: s.bayes } : {}),
      ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
      ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
      ...(s.optimizer !== undefined ? { optimizer: s.optimizer } : {}),
      ...(s.learningRate !== undefined ? { learningRate: s.learningRate } : {}),
      ...(s.l2 !== undefined ? { l2: s.l2 } : {}),
      ...(s.validation !== undefined ? { validation: s.validation } : {}),
      // without `validation`, fit holds out DEFAULT_VALIDATION_FRACTION of the rows (in memory) and stops on it
      ...(s.patience !== undefined
        ? { earlyStopping: { metric: s.task === 'regression' ? 'rmse' : 'loss', patience: s.patience, minDelta: 1e-4 } }
        : {}),
      ...((s.task === 'ranking' || s.negativesPerPositive !== undefined) && s.itemField !== undefined ? { negatives: { itemField: s.itemField } } : {}),
      ...(s.engine !== undefined ? { engine: s.engine } : {}),
      ...(s.negativesPerPositive !== undefined ? { negativesPerPositive: s.negativesPerPositive } : {}),
      ...(s.checkpoint !== undefined ? { checkpoint: { dir: s.checkpoint, ...(s.checkpointEvery !== undefined ? { every: s.checkpointEvery } : {}) } } : {}),
      ...(s.resume !== undefined ? { resumeFrom: s.resume } : {}),
      ...(s.shuffleBuffer !== undefined ? { shuffleBuffer: s.shuffleBuffer } : {}),
      ...(s.threads !== undefined ? { threads: s.threads } : {}),
      ...(s.linear === false ? { linear: false } : {}),
      signal: ctx.signal,
      callbacks: {
        onBatchEnd: (b) => {
          progress.batch({
            epoch: b.epoch,
            epochs: epochsPlanned,
            batch: b.batch,
            batches: b.batches,
            loss: b.loss,
            examplesPerSecond: b.examplesPerSecond,
          });
        },
        onEpochEnd: (e) => {
          progress.epochEnd({
            epoch: e.epoch,
            epochs: epochsPlanned,
            loss: e.loss,
            ...(e.valLoss !== undefined ? { valLoss: e.valLoss } : {}),
            ...(e.valMetrics !== undefined ? { valMetrics: e.valMetrics } : {}),
            examplesPerSecond: e.examplesPerSecond,
            seconds: e.seconds,
            unit,
            ...(s.validationLabel !== undefined ? { valLabel: s.validationLabel } : {}),
          });
        },
      },
    });
    return {
      epochs: r.epochs,
      bestEpoch: r.bestEpoch,
      finalLoss: r.finalLoss,
      ...(r.valMetrics ? { valMetrics: r.valMetrics } : {}),
      examplesPerSecond: r.examplesPerSecond,
      wallSeconds: r.wallSeconds,
      labelMean: r.labelMean,
      labelRange: r.labelRange,
      stopReason: r.stopReason,
      earlyStopping: r.earlyStopping,
      history: r.history,
      engine: r.engine,
      engineReason: r.engineReason,
      threads: r.threads,
      optimization: r.optimization,
    };
  } finally {
    progress.clear();
  }
}

/** Rows a NativeModel scores between two looks at the signal (~0.1-0.5 s). */
const SCORE_SLICE = 1 << 17;

/**
 * Model outputs for every row: `[rows]` raw scores (ratings, or logits for binary/ranking). With `signal`, a
 * NativeModel scores a slice of rows at a time and stops between slices once it is aborted (Ctrl-C).
 */
export async function predictScores(model: tf.LayersModel | NativeModel, ds: SparseDataset, signal?: AbortSignal): Promise<Float32Array> {
  if (!signal || !isNativeModel(model) || ds.numRows <= SCORE_SLICE) return predict(model, ds, { batchSize: 8192 });
  const out = new Float32Array(ds.numRows);
  for (let s = 0; s < ds.numRows; s += SCORE_SLICE) {
    await new Promise((resolve) => setImmediate(resolve)); // lets a Ctrl-C be seen
    signal.throwIfAborted();
    out.set(await predict(model, ds.slice(s, s + SCORE_SLICE)), s);
  }
  return out;
}

/**
 * Pointwise metrics of scores vs labels. Regression scores are clipped to the training label range
 * first (as libFM does); binary/ranking scores are logits (log loss uses σ(score)).
 */
export function pointwiseMetrics(
  names: readonly string[],
  task: Task,
  scores: Float32Array,
  labels: Float32Array,
  labelRange?: [number, number],
): Record<string, number> {
  const out: Record<string, number> = {};
  let pred = scores;
  if (task === 'regression' && labelRange) {
    pred = scores.map((s) => Math.min(labelRange[1], Math.max(labelRange[0], s)));
  }
  const probs = () => scores.map((s) => 1 / (1 + Math.exp(-s)));
  for (const n of names) {
    if (n === 'rmse') out.rmse = rmse(pred, labels);
    else if (n === 'mae') out.mae = mae(pred, labels);
    else if (n === 'auc') out.auc = auc(scores, labels);
    else if (n === 'logloss') out.logloss = logLoss(probs(), labels);
  }
  return out;
}

/** Default pointwise metrics of a task. */
export function defaultMetrics(task: Task): string[] {
  return task === 'regression' ? ['rmse', 'mae'] : ['auc', 'logloss'];
}
