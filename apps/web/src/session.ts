import * as tf from '@tensorflow/tfjs';
import { createModel, parameterGroup, type ModelKind } from '@fm/layers';
import { fit, predict, type FitOptions, type FitResult } from '@fm/train';
import { prepareData, type DataSource, type PreparedData } from './prepare.js';
import { computeMetrics, type SessionMetrics } from './metrics.js';

/** The model kinds the page offers. */
/** The model kinds the page offers: every `createModel` kind of @fm/layers. */
export type { ModelKind };
export type OptimizerKind = 'sgd' | 'adam' | 'adagrad' | 'ftrl';

/** Everything that determines a run; the same config, seed and backend give the same metrics. */
export interface SessionConfig {
  data: DataSource;
  model: ModelKind;
  /** Factor dimension k. */
  embeddingDim: number;
  optimizer: OptimizerKind;
  learningRate: number;
  epochs: number;
  batchSize: number;
  /** Seeds the split, weight initialisation, shuffling and sampled negatives. */
  seed: number;
  /** Fraction of rows held out for test/validation (default 0.2). */
  testFraction?: number;
  /** L2 strength on every parameter group; default: the trainer's per-group defaults. */
  l2?: number;
  /** @fm/train `fit`'s `engine` option; default: fit's own choice. The page sets it from `?engine=`. */
  engine?: FitOptions['engine'];
}

/** Which @fm/train engine trained and why, as `fit` reported it (`FitResult.engine` and `engineReason`). */
export interface EngineReport {
  engine: FitResult['engine'];
  reason: string;
}

/** The engine report of a `fit` result. */
export function engineOf(r: FitResult): EngineReport {
  return { engine: r.engine, reason: r.engineReason };
}

/** What the page plots after every epoch. */
export interface EpochSnapshot {
  /** Epoch number, from 1. */
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Loss on the held-out rows. */
  valLoss?: number;
  /** Global bias w0. */
  bias?: number;
  /** A few tracked linear coefficients w_i, named by feature. */
  coefficients: { name: string; value: number }[];
  examplesPerSecond: number;
  seconds: number;
}

/** Progress after a mini-batch (epochs and batches count from 1). */
export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
}

/** Callbacks of {@link runSession}; any may return a promise (the run waits: that is how "pause" works). */
export interface SessionHooks {
  /** Called once the data is ready and the model built, before training. */
  onPrepared?(prepared: PreparedData, model: tf.LayersModel): void | Promise<void>;
  onBatch?(info: BatchInfo): void | Promise<void>;
  onEpoch?(snapshot: EpochSnapshot, model: tf.LayersModel): void | Promise<void>;
  /** Abort to stop after the current batch; the run still evaluates the model it has. */
  signal?: AbortSignal;
}

/** The outcome of a run. The caller owns (and eventually disposes) `model`. */
export interface SessionResult {
  backend: string;
  engine: EngineReport;
  prepared: PreparedData;
  model: tf.LayersModel;
  history: EpochSnapshot[];
  metrics: SessionMetrics;
  stopped: boolean;
}

/** The JSON summary of a run (what the page publishes as `window.__fmLastRun`). */
export interface RunSummary {
  backend: string;
  engine: EngineReport;
  model: ModelKind;
  data: string;
  seed: number;
  epochs: number;
  losses: number[];
  valLosses: (number | null)[];
  metrics: SessionMetrics;
  stopped: boolean;
}

/** A JSON-safe summary of a result. */
export function summarize(config: SessionConfig, r: SessionResult): RunSummary {
  return {
    backend: r.backend,
    engine: r.engine,
    model: config.model,
    data: r.prepared.name,
    seed: config.seed,
    epochs: r.history.length,
    losses: r.history.map((h) => h.loss),
    valLosses: r.history.map((h) => h.valLoss ?? null),
    metrics: r.metrics,
    stopped: r.stopped,
  };
}

/** Checks a config, naming the bad field. */
export function validateConfig(c: SessionConfig): void {
  const positiveInt = (name: string, v: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer in [1, ${max}], got ${v}`);
  };
  positiveInt('dimension', c.embeddingDim, 512);
  positiveInt('epochs', c.epochs, 10_000);
  positiveInt('batch size', c.batchSize, 1 << 20);
  if (!(c.learningRate > 0 && c.learningRate < 10)) throw new Error(`learning rate must be in (0, 10), got ${c.learningRate}`);
  if (!Number.isFinite(c.seed)) throw new Error(`seed must be a number, got ${c.seed}`);
  if (c.l2 !== undefined && !(c.l2 >= 0 && c.l2 < 100)) throw new Error(`L2 must be in [0, 100), got ${c.l2}`);
  const tf_ = c.testFraction ?? 0.2;
  if (!(tf_ > 0 && tf_ < 1)) throw new Error(`test fraction must be in (0, 1), got ${tf_}`);
}

/**
 * Runs one training session, platform-neutral (the page and the Node tests share it): prepares the
 * data (@fm/data), builds the model (@fm/layers `createModel`), trains it with @fm/train `fit`
 * (validation = the held-out rows, early stopping off, so `epochs` epochs run unless stopped), and
 * evaluates it (@fm/eval). Uses the current tfjs backend; select it before calling.
 */
export async function runSession(config: SessionConfig, hooks: SessionHooks = {}): Promise<SessionResult> {
  validateConfig(config);
  const prepared = prepareData(config.data, { seed: config.seed, testFraction: config.testFraction ?? 0.2 });
  if ((config.model === 'mf' || config.model === 'neumf') && (!prepared.catalog || prepared.dataset.schema.numFields !== 2)) {
    throw new Error(`${config.model === 'mf' ? 'MF' : 'NeuMF'} needs exactly two fields (user, item); ${prepared.name} has ${prepared.dataset.schema.numFields}: choose another model`);
  }
  const model = createModel(config.model, {
    fieldDims: prepared.dataset.schema.fieldDims,
    embeddingDim: config.embeddingDim,
    width: prepared.dataset.maxRowLength,
    seed: config.seed,
  });
  try {
    await hooks.onPrepared?.(prepared, model);
    const tracked = trackedFeatures(prepared);
    const history: EpochSnapshot[] = [];
    let stopped = false;
    const trained = await fit(model, prepared.train, {
      task: prepared.task,
      epochs: config.epochs,
      batchSize: config.batchSize,
      optimizer: config.optimizer,
      learningRate: config.learningRate,
      ...(config.l2 !== undefined ? { l2: config.l2 } : {}),
      seed: config.seed,
      ...(config.engine !== undefined ? { engine: config.engine } : {}),
      validation: prepared.test,
      earlyStopping: false,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      callbacks: {
        onBatchEnd: async (info) => {
          await hooks.onBatch?.({ epoch: info.epoch, batch: info.batch, batches: info.batches, loss: info.loss });
          if (hooks.signal?.aborted) {
            stopped = true;
            return 'stop';
          }
          return undefined;
        },
        onEpochEnd: async (info) => {
          const snap: EpochSnapshot = {
            epoch: info.epoch,
            loss: info.loss,
            ...(info.valLoss !== undefined ? { valLoss: info.valLoss } : {}),
            ...(await readCoefficients(model, tracked)),
            examplesPerSecond: info.examplesPerSecond,
            seconds: info.seconds,
          };
          history.push(snap);
          await hooks.onEpoch?.(snap, model);
          if (hooks.signal?.aborted) {
            stopped = true;
            return 'stop';
          }
          return undefined;
        },
      },
    });
    const scores = await predict(model, prepared.test, { batchSize: 4096 });
    const metrics = await computeMetrics(model, prepared, scores, { seed: config.seed });
    return { backend: tf.getBackend(), engine: engineOf(trained), prepared, model, history, metrics, stopped };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** A handful of features whose linear weight is worth watching: the first users and items. */
function trackedFeatures(p: PreparedData): { id: number; name: string }[] {
  const c = p.catalog;
  if (!c) return [0, 1, 2, 3].filter((i) => i < p.dataset.schema.numFeatures).map((id) => ({ id, name: `feature ${id}` }));
  const out: { id: number; name: string }[] = [];
  for (let u = 0; u < Math.min(2, c.numUsers); u++) out.push({ id: c.userIds[u] as number, name: c.userNames[u] as string });
  for (let i = 0; i < Math.min(3, c.numItems); i++) out.push({ id: c.itemIds[i] as number, name: c.itemNames[i] as string });
  return out;
}

/**
 * Reads w0 (the scalar 'bias' weight) and the tracked rows of the first `[n, 1]` linear table. MF has
 * no shared linear table (its biases are per user/item tables); then only w0 is reported.
 * Asynchronous reads only: a synchronous read (`dataSync`) on WebGPU goes through a canvas, which in
 * headless Chromium (SwiftShader) kills the GPU process and loses the device.
 */
export async function readCoefficients(
  model: tf.LayersModel,
  tracked: { id: number; name: string }[],
): Promise<{ bias?: number; coefficients: { name: string; value: number }[] }> {
  let bias: number | undefined;
  const coefficients: { name: string; value: number }[] = [];
  for (const w of model.weights) {
    const group = parameterGroup(w);
    const shape = w.shape;
    if (group === 'bias' && bias === undefined && shape.reduce<number>((a, b) => a * (b ?? 1), 1) === 1) {
      bias = ((await w.read().data()) as Float32Array)[0];
    } else if (group === 'linear' && coefficients.length === 0 && shape.length === 2 && shape[1] === 1) {
      const data = (await w.read().data()) as Float32Array;
      for (const t of tracked) if (t.id < data.length) coefficients.push({ name: t.name, value: data[t.id] as number });
    }
  }
  return { ...(bias !== undefined ? { bias } : {}), coefficients };
}
