/**
 * Training benchmark: the toolkit's default Node training path (the native engine of `@fm/train`,
 * Hogwild threads where they pay) against a plain TypeScript per-example SGD reference
 * (`reference-sgd.ts`), side by side in one process: their epochs alternate, so both see the same
 * machine load, and the ratio of their median examples/s (after a warm-up epoch) is what counts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@fm/layers';
import { fit, inspectModel, OPTIMIZER_DEFAULTS, selectBackend } from '@fm/train';
import { bindNative, createNativeParams, NativeEngine, nativePredict, nativeThreadPolicy, type NativeKind, type NativeOptimizer, type NativeParams } from '@fm/train/native';
import '@fm/train/node';
import { Rng, type SparseDataset } from '@fm/data';
import { runJsonChild } from './child.js';
import { ReferenceSgdFfm, ReferenceSgdFm } from './reference-sgd.js';
import { ctrData, ratingsData, type BenchData } from './train-data.js';

/** One measured path of one case. */
export interface TrainBenchRow {
  case: string;
  path: string;
  model: string;
  rows: number;
  features: number;
  k: number;
  epochs: number;
  batchSize: number;
  optimizer: string;
  threads: number;
  /** Median training examples/s over the epochs after the first (warm-up) one. */
  examplesPerSec: number;
  /** Median over timed epochs of (this path's examples/s ÷ the reference's in the epoch run right after). */
  ratio: number;
  /** Peak process RSS sampled at every epoch end (MiB); covers both paths of the case. */
  peakRssMiB: number;
  trainLoss: number;
  /** RMSE (regression) or log loss (binary) on the held-out split. */
  testLoss: number;
  metric: 'rmse' | 'logloss';
  note?: string;
}

/** Settings of one case. */
interface CaseSpec {
  name: string;
  data: () => BenchData;
  kind: NativeKind;
  task: 'regression' | 'binary';
  k: number;
  epochs: number;
  reference: { learningRate: number; l2: number };
  /** Toolkit configurations, each measured against its own interleaved reference run. */
  toolkit: ToolkitConfig[];
  initStd: number;
}

interface ToolkitConfig {
  /** Train through the public `fit()` (engine 'auto': the default Node path) instead of the native engine API. */
  viaFit?: boolean;
  label: string;
  optimizer: NativeOptimizer;
  batchSize: number;
  learningRate: number;
  l2: { bias: number; linear: number; factors: number };
  threads: number | 'auto';
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : NaN;
};
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const finalMetric = (task: 'regression' | 'binary', loss: number) => (task === 'regression' ? Math.sqrt(loss) : loss);

/**
 * The configurations the bench exercises: the native engine's recommended Node path (per-example SGD
 * as libFM, Hogwild threads chosen by `defaultNativeThreads`), the same on one thread, and the native
 * engine with mini-batch Adam (batch 512, lr 2e-3) for comparison.
 */
function cases(quick: boolean, repeats: number): CaseSpec[] {
  const epochs = 1 + repeats;
  const ratings = (() => {
    let cache: BenchData | undefined;
    return () => (cache ??= ratingsData({ users: 943, items: 1682, density: quick ? 0.015 : 0.063, seed: 1 }));
  })();
  const sgd = (lr: number, l2: number, threads: number | 'auto', label: string): ToolkitConfig => ({
    label, optimizer: 'sgd', batchSize: 1, learningRate: lr, l2: { bias: 0, linear: l2, factors: l2 }, threads,
  });
  const variants = (lr: number, l2: number): ToolkitConfig[] => [
    { ...sgd(lr, l2, 'auto', 'toolkit default: fit() (engine auto), same lr/L2 as the reference'), viaFit: true },
    sgd(lr, l2, 'auto', 'native engine API: SGD, Hogwild auto'),
    sgd(lr, l2, 1, 'native SGD, 1 thread'),
    {
      label: 'native engine API: mini-batch Adam B=512', optimizer: 'adam', batchSize: 512, learningRate: 2e-3,
      l2: { bias: 0, linear: 1e-4, factors: 1e-3 }, threads: 'auto',
    },
  ];
  const fm = (k: number): CaseSpec => ({
    name: `ratings 943+1682 ids, k=${k}`, data: ratings, kind: 'fm', task: 'regression', k, epochs,
    reference: { learningRate: 0.01, l2: 0.02 }, toolkit: variants(0.01, 0.02), initStd: 0.1,
  });
  return [
    fm(16),
    fm(64),
    {
      name: `ctr 39 fields, 1M ids, k=16`,
      data: () => ctrData({ rows: quick ? 20_000 : 500_000, fields: 39, hashSize: quick ? 39_000 : 1_000_000, seed: 7 }),
      kind: 'fm', task: 'binary', k: 16, epochs,
      reference: { learningRate: 0.005, l2: 0.1 }, toolkit: variants(0.005, 0.1), initStd: 0.01,
    },
    {
      name: 'ratings FFM k=16', data: ratings, kind: 'ffm', task: 'regression', k: 16, epochs,
      reference: { learningRate: 0.01, l2: 0.02 }, toolkit: variants(0.01, 0.02).slice(0, 2), initStd: 0.1,
    },
  ];
}

/** Mean squared error or log loss of raw scores. */
function meanLoss(task: 'regression' | 'binary', scores: Float32Array, labels: Float32Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = scores[i] as number;
    const y = labels[i] as number;
    s += task === 'regression' ? (p - y) ** 2 : Math.max(p, 0) - p * y + Math.log1p(Math.exp(-Math.abs(p)));
  }
  return s / labels.length;
}

/** The native engine on bare parameters (no tfjs model): `epochs` passes in a seeded order. */
async function trainNativeEpochs(
  params: NativeParams,
  train: SparseDataset,
  spec: CaseSpec,
  cfg: Omit<ToolkitConfig, 'label' | 'viaFit'>,
  afterEpoch: (examplesPerSecond: number) => void,
): Promise<{ threads: number; history: { loss: number }[] }> {
  const threads = nativeThreadPolicy().threads({ floats: params.linear.length + params.factors.length, k: params.k }, train.nnz, cfg.threads);
  const engine = await NativeEngine.create(
    { params },
    {
      task: spec.task, optimizerName: cfg.optimizer, optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: cfg.learningRate },
      l2: cfg.l2, batchSize: cfg.batchSize, negatives: 0,
    },
    threads,
  );
  const rng = new Rng(5);
  const history: { loss: number }[] = [];
  try {
    for (let e = 0; e < spec.epochs; e++) {
      const order = rng.permutation(train.numRows);
      const t0 = performance.now();
      const p = await engine.trainPass(train, order, undefined, { progress: () => false });
      afterEpoch((p.positives / (performance.now() - t0)) * 1000);
      history.push({ loss: p.lossSum / p.lossTerms });
    }
  } finally {
    await engine.close();
  }
  return { threads: engine.threads, history };
}

/** Trains one toolkit configuration with a fresh reference model whose epochs alternate with it. */
async function runPair(spec: CaseSpec, data: BenchData, cfg: ToolkitConfig, peak: { rss: number }) {
  const { train, test } = data;
  const n = train.schema.numFeatures;
  const ref =
    spec.kind === 'ffm'
      ? new ReferenceSgdFfm(n, train.schema.numFields, spec.k, train.schema.featureFieldTable(), spec.initStd, 3)
      : new ReferenceSgdFm(n, spec.k, spec.initStd, 3);
  const refOrder = new Rng(11).permutation(train.numRows);
  const refRng = new Rng(12);
  const refTimes: number[] = [];
  const nativeTimes: number[] = [];
  let refLoss = NaN;
  const { label: _label, viaFit, ...fitCfg } = cfg;
  const afterEpoch = (examplesPerSecond: number) => {
      nativeTimes.push(examplesPerSecond);
      peak.rss = Math.max(peak.rss, rssMiB());
      // The reference's epoch runs right after the toolkit's, so both see the same machine load.
      refRng.shuffle(refOrder);
      const t0 = performance.now();
      refLoss = ref.trainEpoch(train, refOrder, { task: spec.task, ...spec.reference });
      refTimes.push((train.numRows / (performance.now() - t0)) * 1000);
      peak.rss = Math.max(peak.rss, rssMiB());
  };
  let params: NativeParams;
  let result: { threads: number; history: { loss: number }[] };
  if (viaFit) {
    await selectBackend('wasm');
    const model = createModel(spec.kind, { fieldDims: train.schema.fieldDims, embeddingDim: spec.k, seed: 3, initStd: spec.initStd });
    const r = await fit(model, train, {
      task: spec.task,
      epochs: spec.epochs,
      seed: 5,
      batchSize: fitCfg.batchSize,
      optimizer: fitCfg.optimizer,
      learningRate: fitCfg.learningRate,
      l2: fitCfg.l2,
      threads: fitCfg.threads,
      initBias: false,
      validation: false,
      callbacks: { onEpochEnd: (e) => afterEpoch(e.examplesPerSecond) },
    });
    if (r.engine !== 'native') throw new Error(`bench: fit() used the ${r.engine} engine, expected native`);
    const b = bindNative(model, inspectModel(model));
    if (typeof b === 'string') throw new Error(b);
    params = b.params;
    result = r;
    model.dispose();
    void tf;
  } else {
    params = createNativeParams(spec.kind, train.schema.fieldDims, spec.k, { seed: 3, initStd: spec.initStd, shared: true, normalize: false });
    result = await trainNativeEpochs(params, train, spec, fitCfg, afterEpoch);
  }
  const timed = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs);
  const last = result.history[result.history.length - 1];
  // The ratio is the median of per-epoch ratios: each toolkit epoch against the reference epoch run
  // right after it, which cancels slow drifts in machine load better than a ratio of medians.
  const ratios = timed(nativeTimes.map((f, e) => f / (refTimes[e] as number)));
  return {
    ratio: median(ratios),
    ref: { eps: median(timed(refTimes)), trainLoss: refLoss, testLoss: finalMetric(spec.task, ref.evaluate(test, spec.task)) },
    native: {
      eps: median(timed(nativeTimes)), threads: result.threads, trainLoss: last?.loss ?? NaN,
      testLoss: finalMetric(spec.task, meanLoss(spec.task, nativePredict(params, test), test.labels)),
    },
  };
}

async function runCase(spec: CaseSpec): Promise<TrainBenchRow[]> {
  const data = spec.data();
  const peak = { rss: rssMiB() };
  const metric = spec.task === 'regression' ? 'rmse' : 'logloss';
  const common = {
    case: spec.name, model: spec.kind, rows: data.train.numRows, features: data.train.schema.numFeatures, k: spec.k,
    epochs: spec.epochs, metric,
  } as const;
  const out: TrainBenchRow[] = [];
  for (const cfg of spec.toolkit) {
    const r = await runPair(spec, data, cfg, peak);
    if (out.length === 0) {
      const note = `data: ${data.source}` + (data.bestLoss !== undefined ? `; best possible log loss ${data.bestLoss.toFixed(4)}` : '');
      out.push({
        ...common, path: 'reference: per-example SGD, plain TS', batchSize: 1, optimizer: 'sgd', threads: 1,
        examplesPerSec: r.ref.eps, ratio: 1, peakRssMiB: peak.rss, trainLoss: r.ref.trainLoss, testLoss: r.ref.testLoss, note,
      });
    }
    out.push({
      ...common, path: cfg.label, batchSize: cfg.batchSize, optimizer: cfg.optimizer, threads: r.native.threads,
      examplesPerSec: r.native.eps, ratio: r.ratio, peakRssMiB: peak.rss, trainLoss: r.native.trainLoss,
      testLoss: r.native.testLoss, note: `vs its own interleaved reference run: ${Math.round(r.ref.eps).toLocaleString('en-US')} ex/s`,
    });
  }
  return out;
}

/** AFM through the tfjs `fit` of `@fm/train` (wasm backend); skipped with a note when unavailable. */
async function runAfm(quick: boolean, epochs: number): Promise<TrainBenchRow> {
  const base = {
    case: 'ratings AFM k=16', path: 'tfjs fit (wasm)', model: 'afm', rows: 0, features: 2625, k: 16, epochs,
    batchSize: 1024, optimizer: 'adam', threads: 1, examplesPerSec: NaN, ratio: NaN, peakRssMiB: rssMiB(),
    trainLoss: NaN, testLoss: NaN, metric: 'rmse' as const,
  };
  try {
    const train = (await import('@fm/train')) as Record<string, unknown>;
    const layers = (await import('@fm/layers')) as Record<string, unknown>;
    const fit = train.fit;
    const createModel = layers.createModel;
    if (typeof fit !== 'function' || typeof createModel !== 'function') {
      return { ...base, note: 'skipped: fit from @fm/train or createModel from @fm/layers is not available' };
    }
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    const data = ratingsData({ users: 943, items: 1682, density: quick ? 0.015 : 0.063, seed: 1 });
    const ref = new ReferenceSgdFm(2625, 16, 0.1, 3);
    const order = new Rng(11).permutation(data.train.numRows);
    const t0 = performance.now();
    for (let e = 0; e < epochs; e++) ref.trainEpoch(data.train, order, { task: 'regression', learningRate: 0.01, l2: 0.02 });
    const refEps = (epochs * data.train.numRows * 1000) / (performance.now() - t0);
    const model = (createModel as (k: string, c: object) => unknown)('afm', { fieldDims: [943, 1682], embeddingDim: 16, seed: 3 });
    const res = (await (fit as (m: unknown, d: SparseDataset, o: object) => Promise<{ examplesPerSecond: number; finalLoss: number; valMetrics?: Record<string, number> }>)(
      model, data.train, { task: 'regression', epochs, batchSize: 1024, validation: data.test, earlyStopping: false },
    ));
    return {
      ...base, rows: data.train.numRows, examplesPerSec: res.examplesPerSecond, ratio: res.examplesPerSecond / refEps,
      trainLoss: res.finalLoss, testLoss: res.valMetrics?.rmse ?? NaN, peakRssMiB: rssMiB(),
      note: 'ratio vs the FM reference run just before (not interleaved)',
    };
  } catch (e) {
    return { ...base, note: `skipped: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The compiled entry that runs one case in a child process (`train-case.ts`). */
const CASE_ENTRY = new URL('./train-case.js', import.meta.url);

/** Runs the named case in a fresh Node process, so its peak RSS is its own. */
function runIsolated(name: string, quick: boolean, repeats: number): Promise<TrainBenchRow[]> {
  return runJsonChild<TrainBenchRow[]>(CASE_ENTRY, [name, String(quick), String(repeats)], `train bench case "${name}"`);
}

/** Runs one case by name in this process (the child-process entry calls this). */
export async function runTrainCase(name: string, quick: boolean, repeats: number): Promise<TrainBenchRow[]> {
  const spec = cases(quick, repeats).find((c) => c.name === name);
  if (!spec) throw new Error(`train bench: no case "${name}" (cases: ${cases(quick, repeats).map((c) => c.name).join('; ')})`);
  return runCase(spec);
}

/**
 * Runs every training case and returns one row per path. `quick`: tiny sizes for CI smoke runs;
 * `repeats`: timed epochs after the warm-up epoch (default 3; both paths train 1 + repeats epochs);
 * `only`: cases whose name contains this text; `isolate`: each case in its own child process for a
 * clean peak RSS (default when running compiled, where `train-case.js` exists).
 */
export async function runTrainBench(
  opts: { quick?: boolean; repeats?: number; only?: string; isolate?: boolean } = {},
): Promise<TrainBenchRow[]> {
  const quick = opts.quick ?? false;
  const repeats = opts.repeats ?? (quick ? 1 : 3);
  const isolate = opts.isolate ?? (CASE_ENTRY.protocol === 'file:' && existsSync(fileURLToPath(CASE_ENTRY)));
  const rows: TrainBenchRow[] = [];
  for (const spec of cases(quick, repeats)) {
    if (opts.only && !spec.name.includes(opts.only)) continue;
    rows.push(...(isolate ? await runIsolated(spec.name, quick, repeats) : await runCase(spec)));
  }
  if (!opts.only || 'ratings AFM'.includes(opts.only)) rows.push(await runAfm(quick, 1 + repeats));
  return rows;
}
