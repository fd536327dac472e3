import * as tf from '@tensorflow/tfjs';
import { epochPermutation, InMemorySource, logit, Rng, SparseDataset, type DatasetSource } from '@fm/data';
import { auc, logLossFromLogits, pairwiseMetrics, rmse } from '@fm/eval';
import { ArrayReader, byteViews, directoryCheckpointStore, packArrays, type CheckpointStore, type EpochRecord, type TrainerStateJSON } from './checkpoint.js';
import { chooseEngine, chooseNativeModelEngine } from './choose-engine.js';
import { checkDataset } from './dataset-check.js';
import { DEFAULT_VALIDATION_FRACTION, defaultBatchSize, defaultLearningRate, modelFamily, OPTIMIZER_DEFAULTS, TRAINING_DEFAULTS } from './defaults.js';
import type { PassProgress, TrainingEngine } from './engine.js';
import { attachBayes } from './engines/bayes/attached.js';
import { BayesEngine } from './engines/bayes/bayes-engine.js';
import { BayesianFm } from './engines/bayes/bayesian-fm.js';
import { LANED_FIELD_MIN } from './engines/bayes/sweep-plan.js';
import { bindNative, nativeLayout, writeBackNative, type NativeBinding } from './engines/native/binding.js';
import { isNativeModel, type NativeModel } from './engines/native/native-model.js';
import { memoryWeightReader, savedNativeParams, streamedArtifactsOf } from './engines/native/saved-native.js';
import { NativeEngine } from './engines/native/native-engine.js';
import { nativeThreadPolicy } from './engines/native/threads.js';
import { checkFitOptionKeys, checkOptimizerConfig } from './fit-option-keys.js';
import type { NativeOptimizerConfig, NativeParams } from './engines/native/types.js';
import { TfjsEngine } from './engines/tfjs/tfjs-engine.js';
import type { EarlyStoppingMetric, FitOptions, FitResult, StopReason } from './fit-options.js';
import { fitResult, isImprovement } from './fit-result.js';
import type { Task } from './losses.js';
import { ffmNormalized, inspectModel, type ModelInfo } from './model-info.js';
import { checkWeightBytes, withWeightData, writeSavedWeights } from './model-io.js';
import { RowNegatives } from './negatives.js';
import { createOptimizer, type OptimizerName } from './optimizers.js';
import { resolveL2 } from './regularization.js';
import { yieldToEventLoop } from './yield.js';

/** A seed for epoch `epoch` of stream `stream` derived from the run's seed. */
function subSeed(seed: number, stream: number, epoch: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35)) | 0;
}

/** How often (ms) the loop yields to the event loop so that signal handlers and timers run. */
const YIELD_MS = 50;

/**
 * Trains a `@fm/layers` model on a {@link SparseDataset}: the one training loop of the toolkit.
 *
 * Each epoch visits the training rows in a seeded shuffled order; an engine (see `chooseEngine`: the
 * native TypeScript kernels for LR/FM/FFM/MF on CPU backends, tfjs for everything else and on GPUs)
 * trains them in batches — scores, loss (½·squared error, log loss, or BPR: Rendle et al. 2009, with
 * negatives drawn by `@fm/data`'s `NegativeSampler`), per-use L2, and a row-wise optimizer step on
 * what the batch touched. After each epoch the validation metrics are computed; early stopping keeps
 * the best epoch's weights. Every option not given comes from `TRAINING_DEFAULTS` for the task and the
 * model family, whichever engine runs. Deterministic for a seed on an engine and backend (Hogwild
 * threads excepted), including across checkpoint + resume; `signal` and callbacks are honoured
 * between batches, and the loop yields to the event loop so that Ctrl-C handlers run.
 *
 * @param model a `@fm/layers` model: inputs `[ids int32 [B, W], values float32 [B, W]]`, output `[B, 1]`.
 * Training data may be a {@link DatasetSource} that streams from disk (a `ShardedDataset` of
 * `@fm/data/node`): each epoch then reads its chunks in a seeded shuffled order through the source's
 * bounded shuffle buffer, so memory follows the model and the buffer, not the rows. A streamed run
 * takes its validation set as a dataset (`validation: { fraction }` would need every row), starts
 * the bias from the source's `labelMean` (a shard manifest records it) or else the first chunk's
 * labels, and does not draw negatives (ranking and sampled negatives
 * need every positive in memory).
 *
 * @param train training rows (in memory, or a streaming source); for ranking (and binary with
 *   negatives) every row is a positive.
 */
export async function fit(model: tf.LayersModel | NativeModel, trainData: SparseDataset | DatasetSource, options: FitOptions = {}): Promise<FitResult> {
  const t0 = performance.now();
  const task: Task = options.task ?? 'regression';
  checkFitOptionKeys(options);
  if (!['regression', 'binary', 'ranking'].includes(task)) throw new Error(`fit: task "${String(task)}" is unknown, expected regression | binary | ranking`);
  const native = isNativeModel(model) ? model : undefined;
  const info: Pick<ModelInfo, 'kind' | 'fieldDims'> = native ? { kind: native.kind, fieldDims: native.fieldDims } : inspectModel(model as tf.LayersModel);
  const target = native ? { name: native.kind } : (model as tf.LayersModel);
  const defaults = TRAINING_DEFAULTS[task][modelFamily(info.kind, native ? native.params.normalize : ffmNormalized(model as tf.LayersModel))];
  const solver = options.solver ?? 'gradient';
  if (!['gradient', 'mcmc', 'als'].includes(solver)) throw new Error(`fit: solver "${String(solver)}" is unknown, expected gradient | mcmc | als`);
  const bayes = solver !== 'gradient';
  if (bayes) checkBayesOptions(solver, task, info.kind, options);
  const epochs = options.epochs ?? (bayes ? BAYES_ITERATIONS : defaults.epochs);
  const seed = options.seed ?? 42;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
    throw new Error(`fit: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (options.threads !== undefined && options.threads !== 'auto' && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new Error(`fit: threads must be 'auto' or an integer ≥ 1, got ${String(options.threads)}`);
  }
  const negPerPos = task === 'ranking' ? 1 : task === 'binary' ? (options.negativesPerPositive ?? 0) : 0;
  if (!Number.isInteger(negPerPos) || negPerPos < 0) throw new Error(`fit: negativesPerPositive must be an integer ≥ 0, got ${negPerPos}`);
  if (task !== 'binary' && options.negativesPerPositive) {
    throw new Error(`fit: negativesPerPositive applies to the binary task only${task === 'ranking' ? ' (ranking, BPR, pairs each positive with one sampled negative)' : ''}`);
  }
  const memory = trainData instanceof SparseDataset ? trainData : trainData instanceof InMemorySource ? trainData.dataset : undefined;
  const stream = memory ? undefined : (trainData as DatasetSource);
  if (trainData.numRows === 0) throw new Error('fit: the training dataset has no rows');
  if (stream && bayes) throw new Error(`fit: the ${solver} solver needs the training rows in memory, not a streaming source`);
  if (stream && negPerPos > 0) throw new Error(`fit: task ${task} with sampled negatives needs the training rows in memory (every positive), not a streaming source`);
  if (stream && options.validation !== undefined && options.validation !== false && !(options.validation instanceof SparseDataset)) {
    throw new Error('fit: a streaming source takes its validation set as a dataset (e.g. a held-out shard), not a fraction');
  }
  // a streaming run's label statistics start from its first chunk (stored order)
  const train = memory ?? (await firstChunk(stream as DatasetSource));
  const streamWidth = stream ? Math.max(1, stream.maxRowLength) : 0;
  const width = Math.max(streamWidth, checkDataset(target, info.fieldDims, train, 'fit: train', negPerPos > 0 ? undefined : task));

  // validation: a given dataset, a seeded held-out fraction of train, or none
  // MCMC and ALS use every training row unless told to hold some out (nothing to stop early)
  const valOpt = options.validation === undefined ? (stream || bayes ? false : { fraction: DEFAULT_VALIDATION_FRACTION }) : options.validation;
  let trainRows: Int32Array;
  let val: SparseDataset | undefined;
  if (valOpt === false) {
    trainRows = Int32Array.from({ length: train.numRows }, (_, i) => i);
  } else if (valOpt instanceof SparseDataset) {
    checkDataset(target, info.fieldDims, valOpt, 'fit: validation', negPerPos > 0 ? undefined : task);
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
  // the training rows stay in `train` (no copy of a large dataset): each epoch's order is a
  // permutation of `trainRows`
  const data = train;
  const nTrain = stream ? stream.numRows : trainRows.length;
  // the deep cell's batch grows with the data (TRAINING_DEFAULTS' largeData)
  const batchSize = options.batchSize ?? defaultBatchSize(defaults, nTrain);
  let labelSum = 0;
  let labelMin = Infinity;
  let labelMax = -Infinity;
  for (const r of trainRows) {
    const y = train.labels[r] as number;
    labelSum += y;
    labelMin = Math.min(labelMin, y);
    labelMax = Math.max(labelMax, y);
  }
  // a stream's label mean: its own (a shard manifest's) when it knows it, else its first chunk's
  const labelMean = stream ? (stream.labelMean ?? labelSum / trainRows.length) : labelSum / nTrain;

  // every row of `train` (a held-out fraction included) and of a given validation set is a positive
  // that no negative may be drawn from
  const negatives = negPerPos > 0 ? new RowNegatives(val && val !== train && valOpt instanceof SparseDataset ? [train, val] : [train], options.negatives) : undefined;

  // early stopping
  const esOpt = options.earlyStopping;
  if (esOpt && !val) throw new Error('fit: earlyStopping needs validation data (options.validation)');
  const es =
    val && esOpt !== false && !bayes
      ? {
          metric: esOpt?.metric ?? ((task === 'regression' ? 'rmse' : task === 'binary' ? 'logloss' : 'loss') as EarlyStoppingMetric),
          patience: esOpt?.patience ?? defaults.patience,
          minDelta: esOpt?.minDelta ?? defaults.minDelta,
        }
      : undefined;
  if (es) {
    const allowed: Record<Task, EarlyStoppingMetric[]> = { regression: ['loss', 'rmse'], binary: ['loss', 'logloss', 'auc'], ranking: ['loss', 'auc'] };
    if (!allowed[task].includes(es.metric)) {
      throw new Error(`fit: earlyStopping.metric "${es.metric}" is not available for task ${task} (use ${allowed[task].join(' | ')})`);
    }
  }

  // one set of optimizer settings for both engines
  const optName: OptimizerName = options.optimizer ?? defaults.optimizer;
  if (!['sgd', 'adam', 'adagrad', 'ftrl'].includes(optName)) throw new Error(`fit: optimizer "${String(optName)}" is unknown, expected sgd | adam | adagrad | ftrl`);
  checkOptimizerConfig(options.optimizerConfig, optName);
  const optCfg: NativeOptimizerConfig = {
    ...OPTIMIZER_DEFAULTS,
    ...options.optimizerConfig,
    learningRate: options.learningRate ?? options.optimizerConfig?.learningRate ?? defaultLearningRate(defaults, optName, batchSize),
  };
  const l2Option = options.l2 ?? defaults.l2;
  const l2 = resolveL2(l2Option);

  const backend = tf.getBackend();
  const layers = native ? undefined : (model as tf.LayersModel);
  const layersInfo = layers ? inspectModel(layers) : undefined;
  const decision = layers && layersInfo ? chooseEngine(layers, layersInfo, options.engine ?? 'auto', backend) : chooseNativeModelEngine(info.kind, options.engine ?? 'auto', backend);
  if (decision.name === 'tfjs' && options.threads !== undefined && options.threads !== 'auto' && options.threads > 1) {
    throw new Error(`fit: threads = ${options.threads} applies to the native engine; the tfjs engine runs on the ${backend} backend's own threads`);
  }
  const linear = options.linear ?? true;
  if (typeof linear !== 'boolean') throw new Error(`fit: linear must be true or false, got ${JSON.stringify(linear)}`);
  if (!linear && !bayes) {
    if (info.kind !== 'ffm') throw new Error(`fit: linear: false applies to FFM (libffm's model: bias and pairs) and to the mcmc and als solvers, not to a ${info.kind} model trained by gradients`);
    if (decision.name !== 'native') throw new Error(`fit: linear: false needs the native engine; this run uses the tfjs engine (${decision.reason})`);
  }
  const resumeStore = typeof options.resumeFrom === 'string' ? directoryCheckpointStore(options.resumeFrom) : options.resumeFrom;
  const resumed = resumeStore ? await loadCheckpoint(model, resumeStore) : undefined;
  if (!resumed && !bayes && options.initBias !== false && task !== 'ranking') {
    const b0 = task === 'regression' ? labelMean : logit(negPerPos > 0 ? 1 / (1 + negPerPos) : labelMean, 1e-6);
    if (native) {
      if (native.params.bias[0] === 0) native.params.bias[0] = b0;
    } else if (layersInfo) await initBias(layersInfo, b0);
  }

  let engine: TrainingEngine;
  let reason = decision.reason;
  if (bayes) {
    const layout = layers && layersInfo ? nativeLayout(layers, layersInfo) : undefined;
    if (typeof layout === 'string') throw new Error(`fit: the ${solver} solver cannot train this model: ${layout}`);
    const k = native ? native.params.k : (layout?.k ?? 0);
    const binding: NativeBinding | { params: NativeParams } | string = native ? { params: native.params } : bindNative(model as tf.LayersModel, layersInfo as ModelInfo);
    if (typeof binding === 'string') throw new Error(`fit: the ${solver} solver cannot train this model: ${binding}`);
    const subset = trainRows.length === train.numRows ? train : train.select(trainRows);
    const threadsOption = options.threads ?? options.bayes?.threads ?? 'auto';
    const fm = new BayesianFm(subset, {
      ...options.bayes,
      threads: threadsOption,
      ...(options.linear !== undefined ? { linear: options.linear } : {}),
      solver,
      task: task as 'regression' | 'binary',
      k,
      seed,
      ...(solver === 'als' && options.l2 !== undefined ? { l2: typeof options.l2 === 'number' ? { bias: 0, linear: options.l2, factors: options.l2 } : { bias: options.l2.bias ?? 0, ...(options.l2.linear !== undefined ? { linear: options.l2.linear } : {}), ...(options.l2.factors !== undefined ? { factors: options.l2.factors } : {}) } } : {}),
    });
    const be = new BayesEngine(fm, subset, 'bias' in binding ? { params: binding.params, writeBack: () => writeBackNative(binding) } : binding, threadsOption);
    if (val) be.track(val);
    engine = be;
    reason = solver === 'mcmc' ? `solver mcmc: Gibbs sampling of a Bayesian FM (k=${k}), native` : `solver als: coordinate descent (k=${k}), native`;
    if (fm.threads > 1) reason += `, ${fm.threads} threads`;
    else if (threadsOption !== 'auto' && threadsOption > 1) reason += `, 1 thread: no categorical field of ≥ ${LANED_FIELD_MIN.ids} ids and ≥ ${LANED_FIELD_MIN.entries.toLocaleString('en-US')} rows to split`;
  } else if (decision.name === 'native') {
    const k = native ? native.params.k : (decision.layout?.k ?? 0);
    const rowLen = native ? native.params.factors.length / native.params.numFeatures : (decision.layout?.factors?.rowSize ?? 0);
    const numFeatures = info.fieldDims.reduce((a, b) => a + b, 0);
    const policy = nativeThreadPolicy();
    const epochNnz = stream ? stream.nnz : Math.round((train.nnz * nTrain) / train.numRows);
    let threads = policy.threads({ floats: numFeatures * (1 + rowLen), k }, epochNnz, options.threads ?? 'auto');
    let binding: NativeBinding | { params: NativeParams } | string;
    if (native) {
      const shared = native.params.factors.buffer instanceof SharedArrayBuffer || native.params.factors.length === 0;
      if (threads > 1 && !shared) {
        if (options.threads !== undefined && options.threads !== 'auto') throw new Error('fit: threads > 1 need a NativeModel on SharedArrayBuffers (NativeModel.create makes one where they exist)');
        threads = 1;
      }
      binding = { params: native.params };
    } else binding = bindNative(model as tf.LayersModel, layersInfo as ModelInfo, threads > 1);
    if (typeof binding === 'string') throw new Error(`fit: native engine: ${binding}`);
    if (!linear && binding.params.linear.some((w) => w !== 0)) {
      throw new Error('fit: linear: false keeps the linear weights at 0 (libffm\'s model), but this model has non-zero linear weights: train a fresh model, or keep linear');
    }
    const ne = await NativeEngine.create(
      binding,
      { task, optimizerName: optName, optimizer: optCfg, l2: { bias: l2.bias, linear: l2.linear, factors: l2.factors }, batchSize, negatives: negPerPos, linear },
      threads,
    );
    engine = ne;
    if (ne.simd) reason += ', FFM step in WebAssembly SIMD';
    if (!linear) reason += ', no linear term';
    if (ne.threads > 1) reason += `, ${ne.threads} Hogwild threads`;
  } else {
    engine = new TfjsEngine(layers as tf.LayersModel, layersInfo as ModelInfo, createOptimizer(optName, optCfg), { task, batchSize, negatives: negPerPos, width, l2: l2Option });
  }

  let startEpoch = 1;
  let history: EpochRecord[] = [];
  let bestEpoch = 0;
  let bestValue: number | null = null;
  let wait = 0;
  // The best epoch's weights. While the best epoch is the latest one they are the current weights
  // (`bestIsCurrent`), copied only when training goes on: a last epoch that improves, or a checkpoint after it,
  // never holds a second copy of a big table.
  let best: Float32Array[] | undefined;
  let bestIsCurrent = false;
  if (resumed) {
    const tr = resumed.trainer;
    if (tr.engine !== engine.name) throw new Error(`resumeFrom ${resumeStore?.location}: the checkpoint was trained by the ${tr.engine} engine, this run uses ${engine.name}`);
    if (!bayes && tr.optimizer.name !== optName) throw new Error(`resumeFrom ${resumeStore?.location}: the checkpoint was trained with optimizer ${tr.optimizer.name}, this run uses ${optName}`);
    const reader = new ArrayReader(resumed.data, `resumeFrom ${resumeStore?.location}`);
    const state = tr.state.map((d) => (d.type === 'uint8' ? reader.uint8(d.size) : reader.float32(d.size)));
    engine.loadOptimizerState(tr.optimizer.step, state, `resumeFrom ${resumeStore?.location}`);
    // views of the trainer data where aligned: no second copy of the best weights
    best = tr.best.length > 0 ? tr.best.map((b) => reader.float32(b.size, true)) : undefined;
    reader.end();
    startEpoch = tr.epoch + 1;
    history = tr.history;
    bestEpoch = tr.bestEpoch;
    bestValue = tr.bestValue;
    wait = tr.wait;
    bestIsCurrent = best === undefined && bestEpoch === tr.epoch && bestValue !== null;
  }

  // fixed validation negatives, drawn once so metrics are comparable across epochs
  const valNeg = val && negatives ? negatives.negativeRows(val, negPerPos, subSeed(seed, 2, -1)) : undefined;
  const ckStore = options.checkpoint ? (options.checkpoint.store ?? directoryCheckpointStore(requireDir(options.checkpoint.dir))) : undefined;
  const ckEvery = options.checkpoint?.every ?? 1;
  const batches = Math.ceil(nTrain / batchSize);

  let trainedExamples = 0;
  let trainSeconds = 0;
  let stopReason: StopReason = 'epochs';
  let lastEpoch = startEpoch - 1;
  let lastYield = performance.now();
  try {
    for (let epoch = startEpoch; epoch <= epochs && stopReason === 'epochs'; epoch++) {
      if (bestIsCurrent) {
        best = await engine.snapshot(best); // into the previous best's arrays
        bestIsCurrent = false;
      }
      const te = performance.now();
      const progress = async (p: PassProgress) => {
        const now = performance.now();
        if (options.callbacks?.onBatchEnd) {
          const r = await options.callbacks.onBatchEnd({
            epoch,
            batch: p.batches,
            batches,
            loss: p.lossSum / Math.max(1, p.lossTerms),
            examplesPerSecond: p.positives / ((now - te) / 1000),
          });
          if (r === 'stop') stopReason = 'callback';
        }
        if (now - lastYield >= YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (options.signal?.aborted && stopReason === 'epochs') stopReason = 'aborted';
        return stopReason !== 'epochs';
      };
      let pass: PassProgress & { stopped: boolean };
      if (stream) {
        // chunk by chunk; progress counts over the whole epoch
        pass = { batches: 0, positives: 0, lossSum: 0, lossTerms: 0, stopped: false };
        const done = { ...pass };
        for await (const chunk of stream.chunks({ shuffle: true, seed, epoch, sharedMemory: engine.threads > 1, reuseChunks: true, ...(options.shuffleBuffer !== undefined ? { shuffleBuffer: options.shuffleBuffer } : {}) })) {
          const part = chunk.data;
          checkDataset(target, info.fieldDims, part, 'fit: train chunk', task);
          if (epoch === startEpoch) for (const y of part.labels) [labelMin, labelMax] = [Math.min(labelMin, y), Math.max(labelMax, y)];
          const order = chunk.order ?? Int32Array.from({ length: part.numRows }, (_, i) => i);
          const r = await engine.trainPass(part, order, undefined, {
            progress: (p) => progress({ batches: done.batches + p.batches, positives: done.positives + p.positives, lossSum: done.lossSum + p.lossSum, lossTerms: done.lossTerms + p.lossTerms }),
          });
          done.batches += r.batches;
          done.positives += r.positives;
          done.lossSum += r.lossSum;
          done.lossTerms += r.lossTerms;
          if (r.stopped) {
            done.stopped = true;
            break;
          }
        }
        pass = done;
      } else {
        // the order a streaming source gives with a shuffle buffer holding every row
        const perm = epochPermutation(nTrain, seed, epoch);
        const order = trainRows.length === train.numRows && nTrain === trainRows.length ? perm : perm.map((i) => trainRows[i] as number);
        const passNeg = negatives ? negatives.draw(data, order, negPerPos, subSeed(seed, 3, epoch)) : undefined;
        pass = await engine.trainPass(data, order, passNeg, { progress });
      }
      const seconds = (performance.now() - te) / 1000;
      trainSeconds += seconds;
      trainedExamples += pass.positives;
      const record: EpochRecord = { epoch, loss: pass.lossSum / Math.max(1, pass.lossTerms), examplesPerSecond: pass.positives / seconds, seconds };
      if (val && !pass.stopped) {
        const m = await validationMetrics(engine, task, val, valNeg);
        record.valLoss = m['loss'] as number;
        record.valMetrics = m;
      }
      history.push(record);
      lastEpoch = epoch;
      if (es && record.valMetrics) {
        const v = record.valMetrics[es.metric] as number;
        if (isImprovement(es.metric, v, bestValue, es.minDelta)) {
          bestValue = v;
          bestEpoch = epoch;
          wait = 0;
          bestIsCurrent = true;
        } else if (++wait >= es.patience && stopReason === 'epochs') stopReason = 'early-stopping';
      } else if (!es) bestEpoch = epoch;
      if (options.callbacks?.onEpochEnd) {
        engine.writeBack(); // callbacks see the current weights
        const r = await options.callbacks.onEpochEnd(record);
        if (r === 'stop' && stopReason === 'epochs') stopReason = 'callback';
      }
      await yieldToEventLoop(); // at least once per epoch, however short
      lastYield = performance.now();
      if (options.signal?.aborted && stopReason === 'epochs') stopReason = 'aborted';
      const last = epoch === epochs || stopReason !== 'epochs';
      if (ckStore && !pass.stopped && (epoch % ckEvery === 0 || last)) {
        engine.writeBack();
        await saveCheckpoint(model, engine, ckStore, {
          epoch, history, bestEpoch, bestValue, wait, best: bestIsCurrent ? undefined : best, task, optimizer: optName, labelMean, labelRange: [labelMin, labelMax],
        });
      }
    }
    if (es && best && !bestIsCurrent && bestEpoch !== lastEpoch) engine.restore(best);
    engine.writeBack();
    if (engine instanceof BayesEngine) attachBayes(model, engine.fm);
  } finally {
    await engine.close();
  }
  return fitResult({
    history,
    lastEpoch,
    bestEpoch,
    earlyStopping: es,
    examplesPerSecond: trainSeconds > 0 ? trainedExamples / trainSeconds : 0,
    t0,
    engine: engine.name,
    engineReason: reason,
    threads: engine.threads,
    optimization: bayes ? undefined : { optimizer: optName, learningRate: optCfg.learningRate, batchSize },
    stopReason,
    labelMean,
    labelRange: [labelMin, labelMax],
  });
}

/** Iterations of MCMC and ALS when `epochs` is not given (libFM's usual run). */
const BAYES_ITERATIONS = 200;

/** MCMC/ALS: every option they cannot honour is an error naming it. */
function checkBayesOptions(solver: string, task: Task, kind: string, o: FitOptions): void {
  const refuse = (what: string) => {
    throw new Error(`fit: ${what} does not apply to the ${solver} solver`);
  };
  if (task === 'ranking') refuse('the ranking task (BPR)');
  if (o.negativesPerPositive) refuse('negativesPerPositive');
  if (!['fm', 'lr', 'mf'].includes(kind)) throw new Error(`fit: the ${solver} solver trains LR, FM and MF models, not "${kind}"`);
  for (const key of ['optimizer', 'learningRate', 'optimizerConfig', 'batchSize', 'shuffleBuffer'] as const) {
    if (o[key] !== undefined) refuse(key);
  }
  if (o.engine !== undefined && o.engine !== 'auto' && o.engine !== 'native') refuse(`engine '${o.engine}'`);
  if (o.earlyStopping) refuse('earlyStopping (MCMC averages every sample after burn-in)');
  if (solver === 'mcmc' && o.l2 !== undefined) refuse('l2 (MCMC samples its regularisation from the priors)');
}

/** The first chunk of a source in stored order (for label statistics before training). */
async function firstChunk(source: DatasetSource): Promise<SparseDataset> {
  for await (const c of source.chunks({ shuffle: false })) return c.order ? c.data.select(c.order) : c.data;
  throw new Error('fit: the training source yielded no rows');
}

/** Sets the model's single scalar 'bias' weight to `value` when it is still exactly 0 (an async read: no GPU sync). */
async function initBias(info: ModelInfo, value: number): Promise<void> {
  const biases = info.params.filter((p) => p.group === 'bias' && p.shape.reduce((a, b) => a * b, 1) === 1);
  const only = biases.length === 1 ? biases[0] : undefined;
  if (!only) return;
  const current = (await only.weight.read().data())[0];
  if (current !== 0) return;
  tf.tidy(() => {
    only.weight.write(tf.fill(only.shape, value));
  });
}

async function validationMetrics(engine: TrainingEngine, task: Task, val: SparseDataset, valNeg: SparseDataset | undefined): Promise<Record<string, number>> {
  const pos = await engine.score(val);
  const finite = (a: Float32Array) => a.every((x) => Number.isFinite(x));
  if (!finite(pos)) throw new Error('fit: the model scores validation rows as NaN or ±Infinity — lower the learning rate');
  if (task === 'regression') {
    const r = rmse(pos, val.labels);
    return { loss: r * r, rmse: r };
  }
  const neg = valNeg ? await engine.score(valNeg) : undefined;
  if (task === 'ranking' && neg) {
    // neg rows are copy-major: with one copy, row r of neg is r's negative
    return pairwiseMetrics(pos, neg);
  }
  let scores: Float32Array = pos;
  let labels: Float32Array = val.labels;
  if (neg) {
    scores = new Float32Array(pos.length + neg.length);
    scores.set(pos);
    scores.set(neg, pos.length);
    labels = new Float32Array(scores.length);
    labels.fill(1, 0, pos.length);
  }
  const ll = logLossFromLogits(scores, labels);
  const hasBoth = labels.some((y) => y > 0.5) && labels.some((y) => y <= 0.5);
  return { loss: ll, logloss: ll, ...(hasBoth ? { auc: auc(scores, labels.map((y) => (y > 0.5 ? 1 : 0))) } : {}) };
}

function requireDir(dir: string | undefined): string {
  if (!dir) throw new Error('fit: checkpoint needs a dir (Node) or a store');
  return dir;
}

interface SaveState {
  epoch: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValue: number | null;
  wait: number;
  best: Float32Array[] | undefined;
  task: Task;
  optimizer: OptimizerName;
  labelMean: number;
  labelRange: [number, number];
}

async function saveCheckpoint(model: tf.LayersModel | NativeModel, engine: TrainingEngine, store: CheckpointStore, s: SaveState): Promise<void> {
  const opt = engine.optimizerState();
  const arrays: (Float32Array | Uint8Array)[] = [...opt.arrays, ...(s.best ?? [])];
  const trainer: TrainerStateJSON = {
    format: 'fm-trainer-checkpoint',
    version: 2,
    engine: engine.name,
    epoch: s.epoch,
    history: s.history,
    bestEpoch: s.bestEpoch,
    bestValue: s.bestValue,
    wait: s.wait,
    optimizer: { name: s.optimizer, step: opt.step },
    state: opt.arrays.map((a) => ({ type: a instanceof Uint8Array ? 'uint8' : 'float32', size: a.length })),
    best: (s.best ?? []).map((b) => ({ size: b.length })),
  };
  // the weights as they are (a NativeModel's straight from its arrays, no tfjs copy)
  const streamed = await streamedArtifactsOf(model, { meta: { task: s.task, labelMean: s.labelMean, ratingRange: s.labelRange } });
  // a store that can write them as they are gets them never joined in memory, with the trainer's arrays
  if (store.saveStreamed) await store.saveStreamed({ ...streamed, trainer, trainerParts: byteViews(arrays) });
  else await store.save({ artifacts: withWeightData(streamed), trainer, trainerData: packArrays(arrays) });
}

/** Loads a checkpoint's weights into `model`; returns the trainer state for the engine to restore. */
async function loadCheckpoint(model: tf.LayersModel | NativeModel, store: CheckpointStore): Promise<{ trainer: TrainerStateJSON; data: Uint8Array }> {
  const where = `resumeFrom ${store.location}`;
  // a NativeModel reads the weights straight into its arrays where the store can read them on request
  const streamed = isNativeModel(model) && store.loadStreamed ? await store.loadStreamed() : undefined;
  const ck = streamed ?? (await store.load());
  const trainer = ck.trainer;
  if (trainer.format !== 'fm-trainer-checkpoint') throw new Error(`${where}: not a trainer checkpoint (format ${String(trainer.format)})`);
  if (trainer.version !== 2) throw new Error(`${where}: trainer checkpoint version ${String(trainer.version)} is not supported (this version reads 2); retrain or resume with the version that wrote it`);
  if (isNativeModel(model)) {
    // straight into the model's arrays, no tfjs model in between
    if (!streamed) checkWeightBytes(ck.artifacts, where);
    let got;
    try {
      got = await savedNativeParams(ck.artifacts, streamed ? streamed.read : memoryWeightReader(ck.artifacts.weightData), false, model);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    if (!got) throw new Error(`${where}: the checkpoint's model is not an LR, FM, FFM or MF model the native kernels run`);
    return { trainer, data: ck.trainerData };
  }
  // straight into the model's variables, in order (layer names differ between two builds of one config): a
  // second model beside it would need the wasm heap to hold every table twice. Dense weights get new tensors.
  const dense = new Set(inspectModel(model).params.filter((p) => p.group === 'dense').map((p) => p.weight));
  const specs = ck.artifacts.weightSpecs ?? [];
  const dst = model.weights;
  if (specs.length !== dst.length || specs.some((w, i) => w.shape.join(',') !== dst[i]?.shape.join(','))) {
    throw new Error(
      `${where}: the checkpoint's weights [${specs.map((w) => `[${w.shape.join(',')}]`).join(' ')}] do not match the model's ` +
        `[${dst.map((w) => `[${w.shape.join(',')}]`).join(' ')}]`,
    );
  }
  checkWeightBytes(ck.artifacts, where);
  writeSavedWeights(dst, specs, ck.artifacts.weightData ?? new ArrayBuffer(0), dense);
  return { trainer, data: ck.trainerData };
}
