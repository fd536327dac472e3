import { checkOptionNames } from '@fm/layers/option-names';
import * as tf from '@tensorflow/tfjs';
import { logit, type DenseBatch, type SparseDataset } from '@fm/data';
import { chooseEngine } from './choose-engine.js';
import { checkDataset } from './dataset-check.js';
import type { EngineChoice } from './engine.js';
import { bindNative } from './engines/native/binding.js';
import { bayesOf } from './engines/bayes/attached.js';
import { isNativeModel, type NativeModel } from './engines/native/native-model.js';
import { nativePredict } from './engines/native/predict.js';
import { inspectModel } from './model-info.js';

/** Every option of {@link PredictOptions} (an unknown name is an error, never ignored). */
const PREDICT_KEYS = { batchSize: true, clip: true, sigmoid: true, engine: true } as const satisfies Record<keyof PredictOptions, true>;

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Rows per forward pass (default 4096). */
  batchSize?: number;
  /** Clip scores into `[min, max]` (e.g. the rating range). */
  clip?: [number, number];
  /** Apply the logistic function σ to the raw scores (binary models). Default false. */
  sigmoid?: boolean;
  /** 'auto' (default): the native kernels for LR/FM/FFM/MF on CPU backends, as `chooseEngine` decides; else tfjs. */
  engine?: EngineChoice;
}

/**
 * Scores every row of a dataset, with the native kernels when the model is one they implement
 * (LR, FM, FFM, MF) on a CPU backend — O(k·nnz) per FM row, no tensors — and through tfjs otherwise.
 * @returns `[rows]` raw model outputs (or σ of them, or clipped), in row order.
 */
export async function predict(model: tf.LayersModel | NativeModel, ds: SparseDataset, options: PredictOptions = {}): Promise<Float32Array> {
  checkOptionNames('predict', options, Object.keys(PREDICT_KEYS));
  let scores: Float32Array;
  const fm = bayesOf(model);
  if (fm) {
    // a Bayesian model: the predictive mean over its kept samples, unclipped like every model's raw output (binary:
    // the logit of P(y = 1))
    scores = fm.predict(ds, { clip: false }).mean;
    if (fm.settings.task === 'binary') scores = scores.map((p) => logit(p));
  } else if (isNativeModel(model)) {
    if (options.engine === 'tfjs') throw new Error("predict: a NativeModel scores with the native kernels; for engine 'tfjs' pass model.toLayersModel()");
    checkDataset({ name: model.kind }, model.fieldDims, ds, 'predict', undefined);
    scores = nativePredict(model.params, ds);
  } else {
    const info = inspectModel(model);
    const width = checkDataset(model, info.fieldDims, ds, 'predict', undefined);
    const native = chooseEngine(model, info, options.engine ?? 'auto', tf.getBackend()).name === 'native';
    const binding = native ? bindNative(model, info) : undefined;
    scores = binding && typeof binding !== 'string' ? nativePredict(binding.params, ds) : await scoreRows(model, ds, width, options.batchSize ?? 4096);
  }
  if (options.sigmoid) for (let i = 0; i < scores.length; i++) scores[i] = 1 / (1 + Math.exp(-(scores[i] as number)));
  if (options.clip) {
    const [lo, hi] = options.clip;
    for (let i = 0; i < scores.length; i++) scores[i] = Math.min(hi, Math.max(lo, scores[i] as number));
  }
  return scores;
}

/** Raw scores of all rows in batches of `batchSize` (no checks: the caller has run `checkDataset`). */
export async function scoreRows(model: tf.LayersModel, ds: SparseDataset, width: number, batchSize: number): Promise<Float32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`predict: batchSize must be a positive integer, got ${batchSize}`);
  const out = new Float32Array(ds.numRows);
  let buf: DenseBatch | undefined;
  for (let s = 0; s < ds.numRows; s += batchSize) {
    const e = Math.min(ds.numRows, s + batchSize);
    buf = ds.denseBatchOf(undefined, s, e, buf, width);
    const b = buf;
    const t = tf.tidy(() => {
      const ids = tf.tensor2d(b.ids.subarray(0, (e - s) * width), [e - s, width], 'int32');
      const values = tf.tensor2d(b.values.subarray(0, (e - s) * width), [e - s, width], 'float32');
      // batchSize: one forward pass per batch (tf.LayersModel.predict otherwise runs 32 rows at a time)
      return tf.reshape(model.predict([ids, values], { batchSize: e - s }) as tf.Tensor, [-1]);
    });
    out.set(await t.data(), s);
    t.dispose();
  }
  return out;
}

/**
 * The predictive distribution of a Bayesian model (trained with `solver: 'mcmc' | 'als'`, or loaded
 * from a directory holding its samples): per row the mean and the standard deviation over the kept
 * posterior samples of ŷ (regression) or of P(y = 1) = Φ(ŷ) (binary, probit). `includeNoise` adds the
 * noise variance E[1/α] (regression): the spread of a new observation rather than of its mean.
 * ALS, a point estimate, has std 0. Other models have no distribution: an error says so.
 * @returns `[rows]` means and standard deviations.
 */
export function predictDistribution(
  model: tf.LayersModel | NativeModel,
  ds: SparseDataset,
  options: { includeNoise?: boolean } = {},
): { mean: Float32Array; std: Float32Array; samples: number } {
  checkOptionNames('predictDistribution', options, ['includeNoise']);
  const fm = bayesOf(model);
  if (!fm) throw new Error('predictDistribution: this model has no posterior samples (train it with solver: \'mcmc\' to get a predictive distribution)');
  return fm.predict(ds, options);
}
