import * as tf from '@tensorflow/tfjs';
import { schemaGrowthMap, type FieldSchema } from '@fm/data';
import { modelFieldDims, sparseTables } from '@fm/layers';
import { bayesOf } from './engines/bayes/attached.js';
import { isNativeModel, NativeModel } from './engines/native/native-model.js';
import { factorRowLength } from './engines/native/params.js';

/** What {@link warmStart} did. */
export interface WarmStartReport {
  /** Rows of the sparse tables `[n, …]` copied from the saved model (its n). */
  copiedRows: number;
  /** Rows added for new ids, initialised as a fresh model's. */
  newRows: number;
  /** Dense weights (bias, MLP, attention, …) copied as they are. */
  denseWeights: number;
}

/** Options of {@link warmStart}. */
export interface WarmStartOptions {
  reuse?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Replaces every `fieldDims` (`field_dims` once serialised) in a layers-model topology (a JSON tree). */
function withFieldDims(node: unknown, dims: number[]): unknown {
  if (Array.isArray(node)) return node.map((x) => withFieldDims(x, dims));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = (k === 'fieldDims' || k === 'field_dims') && Array.isArray(v) ? [...dims] : withFieldDims(v, dims);
  return out;
}

/**
 * A warm start (incremental training on new data, e.g. the next day of a click log): builds a model
 * of the same kind and configuration as `saved` for the grown schema `to` (the same fields, each
 * with at least as many ids as in `from`, new ids appended at the end of each field, as
 * `Encoder.grow` and `encodeToShards({ grow })` of `@fm/data` make them) and copies every weight:
 * each row of a sparse table `[n, …]` (linear weights, factors, FFM's field-aware factors) moves to
 * its id's new place ({@link schemaGrowthMap}), and the rows of new ids keep the fresh model's
 * initialisation (the same initialisers, so they start as a new model's would); dense weights (bias,
 * MLP, attention) are copied as they are. Before any training the new model therefore scores a row
 * whose ids all existed before exactly as `saved` does. With hashing, or when nothing grew, the
 * schemas are equal and every weight is copied. Optimizer state is not part of a model: training
 * continues with a fresh optimizer.
 *
 * `saved` is left as it is (dispose it when done). Bayesian (MCMC/ALS) models are refused: their
 * kept samples cannot be grown. A {@link NativeModel} grows into a new NativeModel (its arrays; no tfjs): new ids'
 * rows drawn as `NativeModel.create` with the saved model's `init` draws them.
 *
 * @param saved a `@fm/layers` model or a NativeModel built for `from.fieldDims`.
 * @param from the schema `saved` was trained on.
 * @param to the grown schema of the new data.
 * @param options.reuse a NativeModel only: `saved` is handed over, not kept: where nothing grew, the result holds
 *   its very arrays (no second table in memory); the caller no longer uses `saved`.
 * @param options.onProgress, options.signal a NativeModel only: the grown table's draw, as `NativeModel.createAsync`.
 */
export async function warmStart<M extends tf.LayersModel | NativeModel>(saved: M, from: FieldSchema, to: FieldSchema, options?: WarmStartOptions): Promise<{ model: M; report: WarmStartReport }>;
export async function warmStart(saved: tf.LayersModel | NativeModel, from: FieldSchema, to: FieldSchema, options: WarmStartOptions = {}): Promise<{ model: tf.LayersModel | NativeModel; report: WarmStartReport }> {
  if (bayesOf(saved)) throw new Error('warmStart: a Bayesian (MCMC/ALS) model keeps samples that cannot be grown; train a gradient model to continue it');
  if (isNativeModel(saved)) return warmStartNative(saved, from, to, options);
  const dims = modelFieldDims(saved);
  if (dims.join(',') !== from.fieldDims.join(',')) {
    throw new Error(`warmStart: the saved model was built for fieldDims [${dims.join(', ')}], the given schema has [${from.fieldDims.join(', ')}]`);
  }
  const map = schemaGrowthMap(from, to).slice();
  const topology = withFieldDims(saved.toJSON(null, false), to.fieldDims);
  const model = (await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] })) as tf.LayersModel;
  const oldN = from.numFeatures;
  const newN = to.numFeatures;
  const oldTables = new Set(sparseTables(saved));
  const newTables = new Set(sparseTables(model));
  const a = saved.weights;
  const b = model.weights;
  if (a.length !== b.length) {
    model.dispose();
    throw new Error(`warmStart: the rebuilt model has ${b.length} weights, the saved one ${a.length}`);
  }
  const report: WarmStartReport = { copiedRows: 0, newRows: 0, denseWeights: 0 };
  const writes: [tf.LayerVariable, tf.Tensor][] = [];
  try {
    for (let i = 0; i < a.length; i++) {
      const src = a[i] as tf.LayerVariable;
      const dst = b[i] as tf.LayerVariable;
      const s = src.shape as number[];
      const d = dst.shape as number[];
      const sparse = oldTables.has(src) && newTables.has(dst);
      if (sparse && s[0] === oldN && d[0] === newN && s.slice(1).join(',') === d.slice(1).join(',')) {
        const row = s.slice(1).reduce((x, y) => x * y, 1);
        const values = (await dst.read().data()).slice() as Float32Array;
        const old = (await src.read().data()) as Float32Array;
        for (let r = 0; r < oldN; r++) values.set(old.subarray(r * row, (r + 1) * row), (map[r] as number) * row);
        writes.push([dst, tf.tensor(values, d, dst.dtype)]);
        report.copiedRows += oldN;
        report.newRows += newN - oldN;
      } else if (s.join(',') === d.join(',')) {
        writes.push([dst, src.read().clone()]);
        report.denseWeights++;
      } else {
        throw new Error(`warmStart: weight ${src.name} is [${s.join(', ')}] in the saved model and [${d.join(', ')}] in the grown one, and is not a table of the ${oldN} features`);
      }
    }
  } catch (e) {
    for (const [, t] of writes) t.dispose();
    model.dispose();
    throw e;
  }
  for (const [v, t] of writes) {
    v.write(t);
    t.dispose();
  }
  return { model, report };
}

/** {@link warmStart} of a NativeModel: its arrays copied row by row into a new NativeModel of the grown schema. */
async function warmStartNative(saved: NativeModel, from: FieldSchema, to: FieldSchema, options: WarmStartOptions): Promise<{ model: NativeModel; report: WarmStartReport }> {
  if (saved.fieldDims.join(',') !== from.fieldDims.join(',')) {
    throw new Error(`warmStart: the saved model was built for fieldDims [${saved.fieldDims.join(', ')}], the given schema has [${from.fieldDims.join(', ')}]`);
  }
  const map = schemaGrowthMap(from, to);
  const p = saved.params;
  const tables = factorRowLength(p) > 0 ? 2 : 1; // linear weights, factors; the bias is the one dense weight
  if (options.reuse === true && to.numFeatures === p.numFeatures) {
    return { model: NativeModel.fromParams(p, to.fieldDims, saved.init, saved.width), report: { copiedRows: tables * p.numFeatures, newRows: 0, denseWeights: 1 } };
  }
  const model = await NativeModel.createAsync(
    p.kind,
    {
      fieldDims: to.fieldDims,
      embeddingDim: p.k,
      width: saved.width,
      initStd: saved.init.initStd,
      ...(saved.init.seed !== undefined ? { seed: saved.init.seed } : {}),
      ...(p.kind === 'ffm' ? { normalize: p.normalize } : {}),
    },
    { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  );
  const q = model.params;
  const row = factorRowLength(p);
  q.bias.set(p.bias);
  for (let r = 0; r < p.numFeatures; r++) {
    const at = map[r] as number;
    q.linear[at] = p.linear[r] as number;
    if (row > 0) q.factors.set(p.factors.subarray(r * row, (r + 1) * row), at * row);
  }
  return { model, report: { copiedRows: tables * p.numFeatures, newRows: tables * (q.numFeatures - p.numFeatures), denseWeights: 1 } };
}
