import * as tf from '@tensorflow/tfjs';
import { Rng, SparseDataset, type DenseBatch } from '@fm/data';
import { ArrayReader, directoryCheckpointStore, packArrays, type CheckpointStore, type EpochRecord, type TrainerStateJSON } from './checkpoint.js';
import { checkDataset } from './dataset-check.js';
import {
  DEFAULT_L2,
  DEFAULT_LEARNING_RATES,
  DEFAULT_RANKING_L2,
  type EarlyStoppingMetric,
  type FitOptions,
  type FitResult,
  type StopReason,
} from './fit-options.js';
import type { Task } from './losses.js';
import { auc, logLossOfLogits, pairwiseMetrics, rmse } from './metrics.js';
import { inspectModel, type ModelInfo } from './model-info.js';
import { modelArtifacts, modelFromArtifacts } from './model-io.js';
import { NegativeSampler } from './negatives.js';
import { createOptimizer } from './optimizers.js';
import { scoreRows } from './predict.js';
import { TrainStep, type StepBatch } from './train-step.js';
import { bindFused } from './fused-binding.js';
import { FUSED_DEFAULTS, fitFused } from './fit-fused.js';
import { fitResult, isImprovement } from './fit-result.js';

/** A seed for epoch `epoch` of stream `stream` derived from the run's seed. */
function subSeed(seed: number, stream: number, epoch: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35)) | 0;
}

/**
 * Trains a `@fm/layers` model on a {@link SparseDataset}.
 *
 * Each epoch visits the training rows in a seeded shuffled order in batches of `batchSize`; a step
 * scores the batch (plus sampled negatives for ranking/binary-with-negatives), takes the mean loss
 * (MSE, stable log loss, or BPR — Rendle et al. 2009), and updates the weights with a row-wise
 * optimizer: sparse tables only in the rows the batch touches (see `TrainStep`). After each epoch
 * the validation metrics are computed; early stopping keeps the best epoch's weights.
 * Deterministic for a seed on a given backend, including across checkpoint + resume.
 *
 * @param model a `@fm/layers` model: inputs `[ids int32 [B, W], values float32 [B, W]]`, output `[B, 1]`.
 * @param train training rows; for ranking (and binary with negatives) every row is a positive.
 */
export async function fit(model: tf.LayersModel, train: SparseDataset, options: FitOptions = {}): Promise<FitResult> {
  const t0 = performance.now();
  const task: Task = options.task ?? 'regression';
  if (!['regression', 'binary', 'ranking'].includes(task)) throw new Error(`fit: task "${String(task)}" is unknown, expected regression | binary | ranking`);
  const epochs = options.epochs ?? 100;
  const batchSize = options.batchSize ?? 256;
  if (options.threads !== undefined && options.threads !== 'auto' && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Error(`fit: threads must be 'auto' or an integer ≥ 1, got ${String(options.threads)}`);
  }
  const seed = options.seed ?? 42;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const negPerPos = task === 'ranking' ? 1 : task === 'binary' ? (options.negativesPerPositive ?? 0) : 0;
  if (!Number.isInteger(negPerPos) || negPerPos < 0) throw new Error(`fit: negativesPerPositive must be an integer ≥ 0, got ${negPerPos}`);
  if (task === 'regression' && options.negativesPerPositive) throw new Error('fit: negativesPerPositive applies to the binary task only');
  if (negPerPos > 0 && !options.negatives) {
    throw new Error(`fit: task "${task}" with sampled negatives needs options.negatives = { itemField, userField?, sampler? }`);
  }
  if (train.numRows === 0) throw new Error('fit: the training dataset has no rows');

  const info = inspectModel(model);
  const width = checkDataset(model, info.fieldDims, train, 'fit: train', negPerPos > 0 ? undefined : task);

  // validation: a given dataset, a seeded held-out fraction of train, or none
  const valOpt = options.validation === undefined ? { fraction: 0.1 } : options.validation;
  let trainRows: Int32Array;
  let val: SparseDataset | undefined;
  if (valOpt === false) {
    trainRows = Int32Array.from({ length: train.numRows }, (_, i) => i);
  } else if (valOpt instanceof SparseDataset) {
    checkDataset(model, info.fieldDims, valOpt, 'fit: validation', negPerPos > 0 ? undefined : task);
    if (valOpt.maxRowLength > width) throw new Error(`fit: validation rows have up to ${valOpt.maxRowLength} features, train only ${width}`);
    trainRows = Int32Array.from({ length: train.numRows }, (_, i) => i);
    val = valOpt;
  } else {
    const f = valOpt.fraction;
    if (!(f > 0 && f < 1)) throw new Error(`fit: validation.fraction must be in (0, 1), got ${f}`);
    const perm = new Rng(subSeed(seed, 0, -1)).permutation(train.numRows);
    const nVal = Math.max(1, Math.round(f * train.numRows));
    if (nVal >= train.numRows) throw new Error(`fit: validation.fraction ${f} leaves no training rows out of ${train.numRows}`);
    val = train.select(perm.subarray(0, nVal).slice().sort());
    trainRows = perm.subarray(nVal).slice().sort();
  }
  const nTrain = trainRows.length;

  let labelSum = 0;
  let labelMin = Infinity;
  let labelMax = -Infinity;
  for (const r of trainRows) {
    const y = train.labels[r] as number;
    labelSum += y;
    labelMin = Math.min(labelMin, y);
    labelMax = Math.max(labelMax, y);
  }
  const labelMean = labelSum / nTrain;

  const sampler = negPerPos > 0 && options.negatives ? new NegativeSampler(val ? [train, val] : [train], options.negatives) : undefined;

  // early stopping
  const esOpt = options.earlyStopping;
  const es =
    val && esOpt !== false
      ? {
          metric: esOpt?.metric ?? (task === 'regression' ? 'rmse' : task === 'binary' ? 'logloss' : 'loss'),
          patience: esOpt?.patience ?? (options.engine === 'tfjs' ? 3 : FUSED_DEFAULTS.patience),
          minDelta: esOpt?.minDelta ?? 1e-4,
        }
      : undefined;
  if (esOpt && !val) throw new Error('fit: earlyStopping needs validation data (options.validation)');
  if (es) {
    const allowed: Record<Task, EarlyStoppingMetric[]> = {
      regression: ['loss', 'rmse'],
      binary: ['loss', 'logloss', 'auc'],
      ranking: ['loss', 'auc'],
    };
    if (!allowed[task].includes(es.metric)) {
      throw new Error(`fit: earlyStopping.metric "${es.metric}" is not available for task ${task} (use ${allowed[task].join(' | ')})`);
    }
  }

  // The fused engine (LR/FM/FFM/MF on CPU backends) unless the options need the tfjs path.
  const engine = options.engine ?? 'auto';
  if (!['auto', 'fused', 'tfjs'].includes(engine)) throw new Error(`fit: engine "${String(engine)}" is unknown, expected auto | fused | tfjs`);
  if (engine !== 'tfjs') {
    const backend = tf.getBackend();
    const blocker =
      task === 'ranking'
        ? 'the BPR ranking task runs on the tfjs path'
        : negPerPos > 0
          ? 'sampled negatives run on the tfjs path'
          : options.checkpoint || options.resumeFrom
            ? 'checkpoints and resume run on the tfjs path'
            : engine === 'auto' && backend !== 'cpu' && backend !== 'wasm'
              ? `backend ${backend} trains through tfjs`
              : undefined;
    if (!blocker && options.initBias !== false) {
      initBias(info, task === 'regression' ? labelMean : logit(labelMean));
    }
    const binding = blocker ?? bindFused(model, info);
    if (typeof binding !== 'string') {
      return fitFused(
        {
          binding,
          task: task as 'regression' | 'binary',
          train: trainRows.length === train.numRows ? train : train.select(trainRows),
          val,
          epochs,
          seed,
          es,
          labelMean,
          labelRange: [labelMin, labelMax],
          t0,
        },
        options,
      );
    }
    if (engine === 'fused') throw new Error(`fit: engine "fused" cannot train this model: ${binding}`);
  }

  const optName = options.optimizer ?? 'adam';
  const optimizer = createOptimizer(optName, {
    ...options.optimizerConfig,
    learningRate: options.learningRate ?? options.optimizerConfig?.learningRate ?? DEFAULT_LEARNING_RATES[optName] ?? 1e-3,
  });
  const step = new TrainStep(model, info, optimizer, options.l2 ?? (task === 'ranking' ? DEFAULT_RANKING_L2 : DEFAULT_L2), task === 'ranking' ? 'bpr' : task === 'binary' ? 'logloss' : 'mse');

  let startEpoch = 1;
  let history: EpochRecord[] = [];
  let bestEpoch = 0;
  let bestValue: number | null = null;
  let wait = 0;
  let best: Float32Array[] | undefined;

  const resumeStore = typeof options.resumeFrom === 'string' ? await fileStore(options.resumeFrom) : options.resumeFrom;
  if (resumeStore) {
    const r = await restoreCheckpoint(model, info, step, resumeStore);
    startEpoch = r.trainer.epoch + 1;
    history = r.trainer.history;
    bestEpoch = r.trainer.bestEpoch;
    bestValue = r.trainer.bestValue;
    wait = r.trainer.wait;
    best = r.best;
  } else if (options.initBias !== false && task !== 'ranking') {
    initBias(info, task === 'regression' ? labelMean : logit(negPerPos > 0 ? 1 / (1 + negPerPos) : labelMean));
  }

  // fixed validation negatives, drawn once so metrics are comparable across epochs
  let valNeg: SparseDataset | undefined;
  if (val && sampler) valNeg = negativeDataset(val, sampler, negPerPos, new Rng(subSeed(seed, 2, -1)));

  const ckStore = options.checkpoint ? (options.checkpoint.store ?? (await fileStore(requireDir(options.checkpoint.dir)))) : undefined;
  const ckEvery = options.checkpoint?.every ?? 1;

  // batch buffers: positives then negatives, [batch·(1+neg), W]
  const rowsPerStep = batchSize * (1 + negPerPos);
  const buf: StepBatch = {
    rows: 0,
    width,
    ids: new Int32Array(rowsPerStep * width),
    values: new Float32Array(rowsPerStep * width),
    labels: task === 'ranking' ? undefined : new Float32Array(rowsPerStep),
  };
  let dense: DenseBatch | undefined;
  let trainedExamples = 0;
  let trainSeconds = 0;
  let stopReason: StopReason = 'epochs';
  let lastEpoch = startEpoch - 1;

  for (let epoch = startEpoch; epoch <= epochs && stopReason === 'epochs'; epoch++) {
    const te = performance.now();
    const order = new Rng(subSeed(seed, 1, epoch)).shuffle(trainRows.slice());
    const negRng = new Rng(subSeed(seed, 3, epoch));
    const batches = Math.ceil(nTrain / batchSize);
    let lossSum = 0;
    let lossRows = 0;
    let epochExamples = 0;
    for (let b = 0; b < batches; b++) {
      const s = b * batchSize;
      const e = Math.min(nTrain, s + batchSize);
      const size = e - s;
      dense = train.denseBatchOf(order, s, e, dense, width);
      buf.ids.set(dense.ids.subarray(0, size * width));
      buf.values.set(dense.values.subarray(0, size * width));
      buf.rows = size * (1 + negPerPos);
      if (sampler) sampler.fillNegatives(train, order.subarray(s, e), size, width, negPerPos, buf.ids, buf.values, negRng);
      if (buf.labels) {
        if (negPerPos > 0) {
          buf.labels.fill(1, 0, size);
          buf.labels.fill(0, size, buf.rows);
        } else buf.labels.set(dense.labels.subarray(0, size));
      }
      const loss = await step.run(buf);
      if (!Number.isFinite(loss)) {
        throw new Error(`fit: the loss became ${loss} at epoch ${epoch}, batch ${b + 1} — lower the learning rate (now ${optimizer.config.learningRate})`);
      }
      lossSum += loss * size;
      lossRows += size;
      epochExamples += size;
      if (options.callbacks?.onBatchEnd) {
        const r = await options.callbacks.onBatchEnd({
          epoch,
          batch: b + 1,
          batches,
          loss,
          examplesPerSecond: epochExamples / ((performance.now() - te) / 1000),
        });
        if (r === 'stop') stopReason = 'callback';
      }
      if (options.signal?.aborted) stopReason = 'aborted';
      if (stopReason !== 'epochs') break;
    }
    const seconds = (performance.now() - te) / 1000;
    trainSeconds += seconds;
    trainedExamples += epochExamples;
    const record: EpochRecord = { epoch, loss: lossSum / Math.max(1, lossRows), examplesPerSecond: epochExamples / seconds, seconds };
    if (val) {
      const m = await validationMetrics(model, task, val, valNeg, width);
      record.valLoss = m['loss'] as number;
      record.valMetrics = m;
    }
    history.push(record);
    lastEpoch = epoch;
    if (es && record.valMetrics && stopReason !== 'aborted') {
      const v = record.valMetrics[es.metric] as number;
      if (isImprovement(es.metric, v, bestValue, es.minDelta)) {
        bestValue = v;
        bestEpoch = epoch;
        wait = 0;
        best = await snapshot(model);
      } else if (++wait >= es.patience && stopReason === 'epochs') stopReason = 'early-stopping';
    } else if (!es) bestEpoch = epoch;
    if (options.callbacks?.onEpochEnd) {
      const r = await options.callbacks.onEpochEnd(record);
      if (r === 'stop' && stopReason === 'epochs') stopReason = 'callback';
    }
    if (options.signal?.aborted && stopReason === 'epochs') stopReason = 'aborted';
    const last = epoch === epochs || stopReason !== 'epochs';
    if (ckStore && (epoch % ckEvery === 0 || last)) {
      await saveCheckpoint(model, info, step, ckStore, {
        epoch, history, bestEpoch, bestValue, wait, best, task, labelMean, labelRange: [labelMin, labelMax],
      });
    }
  }

  if (es && best && bestEpoch !== lastEpoch) restore(model, best);
  return fitResult({
    history,
    lastEpoch,
    bestEpoch,
    earlyStopping: es !== undefined,
    examplesPerSecond: trainSeconds > 0 ? trainedExamples / trainSeconds : 0,
    t0,
    engine: 'tfjs',
    threads: 1,
    stopReason,
    labelMean,
    labelRange: [labelMin, labelMax],
  });
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

/** Sets the model's single scalar 'bias' weight to `value` when it is still exactly 0. */
function initBias(info: ModelInfo, value: number): void {
  const biases = info.params.filter((p) => p.group === 'bias' && p.shape.reduce((a, b) => a * b, 1) === 1);
  const only = biases.length === 1 ? biases[0] : undefined;
  if (!only) return;
  const current = only.weight.read().dataSync()[0];
  if (current !== 0) return;
  tf.tidy(() => {
    only.weight.write(tf.fill(only.shape, value));
  });
}

/** `copies` negatives of every row of `ds` (labels 0), in copy-major order. */
function negativeDataset(ds: SparseDataset, sampler: NegativeSampler, copies: number, rng: Rng): SparseDataset {
  const n = ds.numRows;
  const nnz = ds.nnz;
  const offsets = new Int32Array(n * copies + 1);
  const ids = new Int32Array(nnz * copies);
  const values = new Float32Array(nnz * copies);
  for (let c = 0; c < copies; c++) {
    for (let r = 0; r <= n; r++) offsets[c * n + r] = c * nnz + (ds.offsets[r] as number);
    ids.set(ds.ids, c * nnz);
    values.set(ds.values, c * nnz);
    for (let r = 0; r < n; r++) {
      const { slot, item, user } = sampler.locate(ds, r);
      ids[c * nnz + (ds.offsets[r] as number) + slot] = sampler.itemOffset + sampler.sample(user, item, rng);
    }
  }
  return new SparseDataset({ schema: ds.schema, labels: new Float32Array(n * copies), offsets, ids, values }, { validate: false });
}

async function validationMetrics(
  model: tf.LayersModel,
  task: Task,
  val: SparseDataset,
  valNeg: SparseDataset | undefined,
  width: number,
): Promise<Record<string, number>> {
  const pos = await scoreRows(model, val, width, 4096);
  if (task === 'regression') {
    const r = rmse(pos, val.labels);
    return { loss: r * r, rmse: r };
  }
  if (task === 'ranking' && valNeg) {
    const neg = await scoreRows(model, valNeg, width, 4096);
    return pairwiseMetrics(pos, neg);
  }
  let scores: Float32Array = pos;
  let labels: Float32Array = val.labels;
  if (valNeg) {
    const neg = await scoreRows(model, valNeg, width, 4096);
    scores = new Float32Array(pos.length + neg.length);
    scores.set(pos);
    scores.set(neg, pos.length);
    labels = new Float32Array(scores.length);
    labels.fill(1, 0, pos.length);
  }
  const ll = logLossOfLogits(scores, labels);
  return { loss: ll, logloss: ll, auc: auc(scores, labels) };
}

/** Copies of all model weights (trainable or not), in `model.weights` order. */
async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)));
}

function restore(model: tf.LayersModel, weights: readonly Float32Array[]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(weights[i] as Float32Array, w.shape as number[], w.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

function requireDir(dir: string | undefined): string {
  if (!dir) throw new Error('fit: checkpoint needs a dir (Node) or a store');
  return dir;
}

async function fileStore(dir: string): Promise<CheckpointStore> {
  return directoryCheckpointStore(dir);
}

interface SaveState {
  epoch: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValue: number | null;
  wait: number;
  best: Float32Array[] | undefined;
  task: Task;
  labelMean: number;
  labelRange: [number, number];
}

async function saveCheckpoint(model: tf.LayersModel, info: ModelInfo, step: TrainStep, store: CheckpointStore, s: SaveState): Promise<void> {
  const artifacts = await modelArtifacts(model, { meta: { task: s.task, labelMean: s.labelMean, ratingRange: s.labelRange } });
  const arrays: (Float32Array | Uint8Array)[] = [];
  const slots = step.slots.map((slot, i) => {
    arrays.push(...slot.state);
    if (slot.touched) arrays.push(slot.touched);
    return {
      weight: info.params[i]?.weight.name ?? String(i),
      size: slot.size,
      buffers: slot.state.length,
      touchedRows: slot.touched?.length ?? 0,
    };
  });
  const best = (s.best ?? []).map((b, i) => {
    arrays.push(b);
    return { weight: model.weights[i]?.name ?? String(i), size: b.length };
  });
  const trainer: TrainerStateJSON = {
    format: 'fm-trainer-checkpoint',
    version: 1,
    epoch: s.epoch,
    history: s.history,
    bestEpoch: s.bestEpoch,
    bestValue: s.bestValue,
    wait: s.wait,
    optimizer: { name: step.optimizer.name, step: step.optimizer.step },
    slots,
    best,
  };
  await store.save({ artifacts, trainer, trainerData: packArrays(arrays) });
}

async function restoreCheckpoint(
  model: tf.LayersModel,
  info: ModelInfo,
  step: TrainStep,
  store: CheckpointStore,
): Promise<{ trainer: TrainerStateJSON; best: Float32Array[] | undefined }> {
  const where = `resumeFrom ${store.location}`;
  const data = await store.load();
  const trainer = data.trainer;
  if (trainer.format !== 'fm-trainer-checkpoint') throw new Error(`${where}: not a trainer checkpoint (format ${String(trainer.format)})`);
  if (trainer.optimizer.name !== step.optimizer.name) {
    throw new Error(`${where}: the checkpoint was trained with optimizer ${trainer.optimizer.name}, this run uses ${step.optimizer.name}`);
  }
  const loaded = await modelFromArtifacts(data.artifacts, where);
  try {
    const src = loaded.model.weights;
    const dst = model.weights;
    if (src.length !== dst.length || src.some((w, i) => w.shape.join(',') !== dst[i]?.shape.join(','))) {
      throw new Error(
        `${where}: the checkpoint's weights [${src.map((w) => `[${w.shape.join(',')}]`).join(' ')}] do not match the model's ` +
          `[${dst.map((w) => `[${w.shape.join(',')}]`).join(' ')}]`,
      );
    }
    model.setWeights(src.map((w) => w.read()));
  } finally {
    loaded.model.dispose();
  }
  if (trainer.slots.length !== step.slots.length) {
    throw new Error(`${where}: optimizer state for ${trainer.slots.length} weights, the model trains ${step.slots.length}`);
  }
  const reader = new ArrayReader(data.trainerData, where);
  trainer.slots.forEach((s, i) => {
    const slot = step.slots[i];
    if (!slot || slot.size !== s.size || slot.state.length !== s.buffers || (slot.touched?.length ?? 0) !== s.touchedRows) {
      throw new Error(`${where}: optimizer state of weight ${s.weight} (${s.size} values) does not match the model's weight ${i} (${info.params[i]?.weight.name}, ${slot?.size} values)`);
    }
    for (const buf of slot.state) buf.set(reader.float32(s.size));
    if (slot.touched) slot.touched.set(reader.uint8(s.touchedRows));
  });
  const best = trainer.best.length > 0 ? trainer.best.map((b) => reader.float32(b.size)) : undefined;
  reader.end();
  step.optimizer.step = trainer.optimizer.step;
  return { trainer, best };
}
