/**
 * The cases of the engine benchmark (issue 9's acceptance figures), each run in its own child process
 * (`engine-case.js`) so its peak RSS is its own. Every case returns rows; `engine-bench.ts` prints them.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { encodeInteractions, generateCtr, generateImplicit, generateRatings, resolveUserItemFields, type SparseDataset } from '@fm/data';
import { recommendAll } from '@fm/eval';
import { createModel } from '@fm/layers';
import { fit, NativeModel, predict, rankingScorer, selectBackend, type FitOptions, type FitResult } from '@fm/train';
import '@fm/train/node';
import { runLibffm } from './libffm-peer.js';

/** One measured figure. */
export interface EngineBenchRow {
  case: string;
  path: string;
  engine?: string;
  threads?: number;
  rows?: number;
  /** Median training examples/s over the epochs after the first. */
  examplesPerSec?: number;
  seconds?: number;
  /** Peak RSS of the case's process (MiB). */
  peakRssMiB?: number;
  metric?: string;
  value?: number;
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : NaN;
};
const peakRss = () => process.resourceUsage().maxRSS / 1024;
/** Examples/s over the epochs after the first (warm-up), median. */
const speed = (r: FitResult) => median((r.history.length > 1 ? r.history.slice(1) : r.history).map((h) => h.examplesPerSecond));

/** MovieLens-100K-shaped implicit data: 943 users × 1,682 items, every row a positive. */
function implicitMl100k(quick: boolean): SparseDataset {
  const g = generateImplicit({ users: quick ? 200 : 943, items: quick ? 300 : 1682, seed: 1 } as never);
  return encodeInteractions(g.interactions).dataset;
}

/** The 1M × 39-field CTR generator (as the issue: 1,000,000 ids), its arrays on SharedArrayBuffers so Hogwild threads use them without a copy. */
function ctr(rows: number): { data: SparseDataset; best: number } {
  const g = generateCtr({ rows, fields: 39, hashSize: Math.max(39, rows), seed: 7, shared: true });
  return { data: g.dataset, best: g.bestLogLoss };
}

/** libffm's defaults (lr, L2): the `ffm-libffm` case's and libffm's own run beside it. */
const LIBFFM = { learningRate: 0.2, l2: 2e-5 } as const;
/**
 * Epochs of the 60k-row deep case (ours and the baseline's), whose speed is the median of the epochs after the
 * first. The figure for "today" (AFM 7k ex/s, 219 s for 57k rows) was a whole fit of ~27 epochs; two epochs
 * measured mostly the warm-up (the JIT, the wasm tier-up and the caches: on a quiet machine NFM's epochs run 100k,
 * 150-190k, then 200-300k ex/s), so the case runs four.
 */
export const DEEP_CASE_EPOCHS = 4;
/** k, epochs and the held-out fraction of the FFM training cases (and of libffm's run). */
const FFM_CASE = { k: 4, epochs: 3, validationFraction: 0.1 } as const;

export const ENGINE_CASES: Record<string, (quick: boolean, epochs: number) => Promise<EngineBenchRow[]>> = {
  /** BPR ranking on the default path (native engine, ranking defaults), k = 64. */
  async 'bpr-default'(quick, epochs) {
    await selectBackend('wasm');
    const ds = implicitMl100k(quick);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 64, seed: 1 });
    const r = await fit(model, ds, { task: 'ranking', epochs, validation: false });
    return [{ case: 'BPR ranking, ML-100K shape, k=64', path: 'default (fit, engine auto)', engine: r.engine, threads: r.threads, rows: ds.numRows, examplesPerSec: speed(r), peakRssMiB: peakRss() }];
  },
  /** The same on the tfjs engine with the previous tfjs defaults (Adam, batch 256, lr 2e-3). */
  async 'bpr-tfjs'(quick, epochs) {
    await selectBackend('wasm');
    const ds = implicitMl100k(quick);
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 64, seed: 1 });
    const r = await fit(model, ds, { task: 'ranking', engine: 'tfjs', optimizer: 'adam', batchSize: 256, learningRate: 2e-3, epochs: Math.min(epochs, 2), validation: false });
    return [{ case: 'BPR ranking, ML-100K shape, k=64', path: 'tfjs engine (Adam, batch 256: the tfjs defaults before)', engine: r.engine, rows: ds.numRows, examplesPerSec: speed(r), peakRssMiB: peakRss() }];
  },
  /** FFM k = 4 on the 1M × 39 CTR generator, default settings, 3 epochs; validation = 10 % held out. */
  async 'ffm-default'(quick, _epochs) {
    return ffmCase(quick, 'default settings', {});
  },
  /**
   * The same with libffm's model and settings: no linear term (`linear: false`: bias and pairs), AdaGrad
   * (accumulator starting at 1, as libffm's), lr 0.2, L2 2e-5, k = 4, instance normalisation.
   */
  async 'ffm-libffm'(quick, _epochs) {
    return ffmCase(quick, `libffm's model and settings (no linear term, adagrad from 1, lr ${LIBFFM.learningRate}, L2 ${LIBFFM.l2.toExponential()})`, {
      optimizer: 'adagrad',
      learningRate: LIBFFM.learningRate,
      l2: { bias: 0, linear: 0, factors: LIBFFM.l2 },
      batchSize: 1,
      optimizerConfig: { initialAccumulatorValue: 1 },
      linear: false,
    });
  },
  /**
   * AFM, NFM and DeepFM through `fit()` on wasm (tfjs engine), {@link DEEP_CASE_EPOCHS} epochs of a 60k-row,
   * 10-field CTR set (the "10-field data set"), k = 16: with the defaults (batch 256 at this size), and with
   * batch 2048. Also examples per CPU-second (the process's user + system time, all threads), steadier than
   * wall time on a shared machine.
   */
  async 'deep-default'(quick, _epochs) {
    return deepCase(quick ? 6000 : 60_000, DEEP_CASE_EPOCHS, [undefined, 2048]);
  },
  /** The same on 600k rows, 1 epoch, defaults only: the size where the deep cell's default batch is 2048. */
  async 'deep-large'(quick, _epochs) {
    return deepCase(quick ? 6000 : 600_000, 1, [undefined]);
  },
  /** Scoring 200k rows of the CTR data with FFM k = 4. */
  async 'ffm-score'(quick, _epochs) {
    const { data } = ctr(quick ? 20_000 : 200_000);
    const model = NativeModel.create('ffm', { fieldDims: data.schema.fieldDims, embeddingDim: 4, seed: 1, initStd: 0.1 });
    await predict(model, data.slice(0, 1000)); // warm-up
    const t0 = performance.now();
    const s = await predict(model, data);
    const seconds = (performance.now() - t0) / 1000;
    return [{ case: `FFM k=4 scoring, ${data.numRows.toLocaleString('en-US')} rows × 39 fields`, path: 'predict (native)', rows: s.length, seconds, peakRssMiB: peakRss(), metric: 'rows/s', value: s.length / seconds }];
  },
  /** Top-10 over the whole catalogue for every MovieLens-100K-shaped user (FM k = 64). */
  async 'topk'(quick, _epochs) {
    await selectBackend('wasm');
    const g = generateRatings({ users: quick ? 300 : 943, items: quick ? 600 : 1682, seed: 1, ...(quick ? { density: 0.2 } : {}) } as never);
    const { dataset, encoder } = encodeInteractions(g.interactions);
    const model = NativeModel.create('fm', { fieldDims: dataset.schema.fieldDims, embeddingDim: 64, seed: 1, initStd: 0.1 });
    const fields = resolveUserItemFields(encoder.schema);
    const exclude = new Map<number, Set<number>>();
    for (let r = 0; r < dataset.numRows; r++) {
      const a = dataset.offsets[r] as number;
      const u = (dataset.ids[a] as number) - fields.userOffset;
      const i = (dataset.ids[a + 1] as number) - fields.itemOffset;
      let s = exclude.get(u);
      if (!s) exclude.set(u, (s = new Set()));
      s.add(i);
    }
    const users = Int32Array.from({ length: fields.numUsers }, (_, u) => u);
    const t0 = performance.now();
    const scorer = rankingScorer(model, { fields });
    const lists = await recommendAll(scorer, users, 10, { exclude });
    const seconds = (performance.now() - t0) / 1000;
    return [{ case: `top-10 over ${fields.numItems} items for all ${users.length} users, FM k=64`, path: `rankingScorer (${scorer.engine}) + recommendAll`, rows: lists.length, seconds, peakRssMiB: peakRss() }];
  },
};

async function ffmCase(quick: boolean, label: string, o: FitOptions): Promise<EngineBenchRow[]> {
  const { data, best } = ctr(quick ? 20_000 : 1_000_000);
  const model = NativeModel.create('ffm', { fieldDims: data.schema.fieldDims, embeddingDim: FFM_CASE.k, seed: 1 });
  const r = await fit(model, data, { task: 'binary', epochs: FFM_CASE.epochs, validation: { fraction: FFM_CASE.validationFraction }, earlyStopping: false, ...o });
  void tf;
  return [
    {
      case: `FFM k=${FFM_CASE.k}, CTR ${data.numRows.toLocaleString('en-US')} × 39 fields (NativeModel)`,
      path: label,
      engine: r.engine,
      threads: r.threads,
      rows: Math.round(data.numRows * (1 - FFM_CASE.validationFraction)),
      examplesPerSec: speed(r),
      peakRssMiB: peakRss(),
      metric: 'validation log loss by epoch',
      value: r.history.at(-1)?.valMetrics?.['logloss'] as number,
      note: `${r.history.map((h) => (h.valMetrics?.['logloss'] as number).toFixed(4)).join(' → ')}; best possible ${best.toFixed(4)}`,
    },
  ];
}

/**
 * libffm itself (`ffm-train` at `bin`) on the `ffm-libffm` case's data and settings (k = 4, 3 epochs, lr 0.2, L2 2e-5,
 * 2 threads; validation = the last 10 % of the rows, where `fit()` holds out a seeded 10 %), for a side-by-side row.
 */
export function libffmPeerRows(bin: string, quick: boolean): EngineBenchRow[] {
  const { data, best } = ctr(quick ? 20_000 : 1_000_000);
  const threads = 2;
  const r = runLibffm(bin, data, { ...FFM_CASE, ...LIBFFM, threads });
  return [
    {
      case: `FFM k=${FFM_CASE.k}, CTR ${data.numRows.toLocaleString('en-US')} × 39 fields (NativeModel)`,
      path: `peer: libffm ffm-train -k ${FFM_CASE.k} -t ${FFM_CASE.epochs} -r ${LIBFFM.learningRate} -l ${LIBFFM.l2.toExponential()} -s ${threads}`,
      engine: 'libffm',
      threads,
      rows: r.trainRows,
      examplesPerSec: r.examplesPerSec,
      metric: 'validation log loss by epoch',
      value: r.valLogLoss.at(-1) as number,
      note: `${r.valLogLoss.map((v) => v.toFixed(4)).join(' → ')}; best possible ${best.toFixed(4)}`,
    },
  ];
}

/** AFM, NFM and DeepFM through `fit()` on wasm, `epochs` over `rows` × 10-field CTR rows, k = 16, per batch size (undefined: the default). */
async function deepCase(rows: number, epochs: number, batchSizes: readonly (number | undefined)[]): Promise<EngineBenchRow[]> {
  await selectBackend('wasm');
  const g = generateCtr({ rows, fields: 10, hashSize: 10_000, seed: 3 });
  const out: EngineBenchRow[] = [];
  for (const batchSize of batchSizes) {
    for (const kind of ['afm', 'nfm', 'deepfm'] as const) {
      const model = createModel(kind, { fieldDims: g.dataset.schema.fieldDims, embeddingDim: 16, seed: 1 });
      const t0 = process.cpuUsage();
      const r = await fit(model, g.dataset, { task: 'binary', epochs, validation: false, ...(batchSize ? { batchSize } : {}) });
      const cpu = process.cpuUsage(t0);
      model.dispose();
      out.push({
        case: `${kind}, CTR ${g.dataset.numRows.toLocaleString('en-US')} × 10 fields, k=16`,
        path: batchSize ? `fit(), batch ${batchSize}` : `fit() defaults (batch ${r.optimization?.batchSize ?? '?'})`,
        engine: r.engine,
        rows: g.dataset.numRows,
        examplesPerSec: speed(r),
        peakRssMiB: peakRss(),
        metric: 'examples per CPU-second',
        value: (epochs * g.dataset.numRows) / ((cpu.user + cpu.system) / 1e6),
      });
    }
  }
  return out;
}
