/**
 * The model zoo's quality-and-speed table (issue 12): every model kind of @fm/layers trained with `fit()`
 *   - on the 39-field CTR generator (`generateCtr` of @fm/data, planted FM click model): test log loss and AUC on
 *     held-out rows of the same generator (with the generator's own floor, the log loss of the true click
 *     probabilities), training examples/s, the engine `fit()` chose, peak RSS;
 *   - on MovieLens-100K leave-last-out ranking (`ranking-ml100k.ts`: every rating an implicit positive, the
 *     latest per user held out and ranked against 99 sampled unseen items; BPR): HR@10 and NDCG@10.
 * Each (model, case) runs in its own Node process, so its peak RSS (`process.resourceUsage().maxRSS`) is its own.
 * Settings are the same for every model (no per-model tuning): Adam at `--lr` (default 4e-3), batch
 * `--batch` (default 512), L2 `--l2` per example on every group (default 1e-5: `fit()`'s default, tuned on
 * MovieLens ratings, holds the deep models at the linear model's log loss on these sets), k = `--dim` (default 16), `--epochs` over the CTR training rows, `--ranking-epochs` over the
 * MovieLens positives. mf and neumf model (user, item) pairs only: they have no CTR row (n/a).
 *
 * `pnpm --filter @fm/bench zoo-quality [--models fm,afm,…] [--ctr-rows 50000] [--ctr-ids 7800] [--epochs 2]
 *   [--ranking-epochs 2] [--dir ../shared/data/ml-100k] [--wasm-threads auto|N] [--skip-ranking] [--validation] [--json FILE]`, or `pnpm bench --only zoo`.
 * A model spec `kind:key=value,…` overrides ModelConfig fields (as zoo-speed's), e.g. `--models "dcn-v2;dcn-v2:crossRank=64"`.
 * `--validation` scores held-out training data instead of the test data (CTR: the last 20 % of the training rows;
 * ranking: each user's second-latest interaction): the mode for choosing a default.
 * Where the CTR time goes per model: `pnpm --filter @fm/bench zoo-speed --profile` (see zoo-speed.ts). The run
 * starts with the machine's one-thread matMul rate (`machine-calibration.ts`), which the heavy models' speeds scale with.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import '@fm/train/node';
import { generateCtr } from '@fm/data';
import { auc, logLossFromLogits } from '@fm/eval';
import { MODEL_KINDS, createModel, type ModelKind } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { runJsonChild } from './child.js';
import { formatTable } from './format-table.js';
import { parseModelSpec, splitModelList } from './model-spec.js';
import { describeMachine, measureMachine, type MachineCalibration } from './machine-calibration.js';
import { runRankingMl100k } from './ranking-ml100k.js';
import { benchArgs } from './bench-args.js';

/** Settings shared by every model. */
export interface ZooQualitySettings {
  ctrRows: number;
  ctrIds: number;
  epochs: number;
  rankingEpochs: number;
  batch: number;
  lr: number;
  /** L2 per example, every group. */
  l2: number;
  dim: number;
  dir: string;
  /**
   * Score held-out TRAINING data instead of the test data, for choosing defaults: CTR trains on the first 80 % of
   * the training rows and scores the other 20 %; ranking holds out each user's second-latest interaction
   * (`runRankingMl100k`'s `validation`).
   */
  validation: boolean;
  /** tfjs-backend-wasm's threads (`selectBackend`'s `wasmThreads`): a count, or 'auto' (default: the cores, at most 8). */
  wasmThreads: number | 'auto';
}

/** One model's CTR result. */
export interface ZooCtrResult {
  model: string;
  testLogLoss: number;
  testAuc: number;
  /** Mean log loss of the generator's true probabilities on the test rows (the floor). */
  bestLogLoss: number;
  examplesPerSec: number;
  engine: string;
  peakRssMiB: number;
  seconds: number;
}

/** One model's ranking result. */
export interface ZooRankingResult {
  model: string;
  hr10: number;
  ndcg10: number;
  examplesPerSec: number;
  engine: string;
  peakRssMiB: number;
  seconds: number;
}

/** Models over the (user, item) schema only. */
const USER_ITEM: readonly ModelKind[] = ['mf', 'neumf'];

const rssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * Trains the model of `spec` on the first 80% of a generated CTR set and scores the last 20% (validation: trains
 * on the first 80% of those training rows and scores the rest of them).
 */
async function ctrWorker(spec: string, s: ZooQualitySettings): Promise<ZooCtrResult> {
  const t0 = performance.now();
  await selectBackend('wasm', { wasmThreads: s.wasmThreads });
  const { kind, overrides } = parseModelSpec(spec);
  const testCut = Math.floor(s.ctrRows * 0.8);
  const [cut, rows] = s.validation ? [Math.floor(testCut * 0.8), testCut] : [testCut, s.ctrRows];
  const g = generateCtr({ rows: s.ctrRows, fields: 39, hashSize: s.ctrIds, seed: 5 });
  const train = g.dataset.slice(0, cut);
  const test = g.dataset.slice(cut, rows);
  const model = createModel(kind, { fieldDims: g.dataset.schema.fieldDims, embeddingDim: s.dim, seed: 1, ...overrides });
  const r = await fit(model, train, { task: 'binary', epochs: s.epochs, optimizer: 'adam', batchSize: s.batch, learningRate: s.lr, l2: s.l2, seed: 3 });
  const logits = await predict(model, test);
  const labels = test.labels;
  let floor = 0;
  for (let i = cut; i < rows; i++) {
    const p = g.probability[i] as number;
    floor -= (labels[i - cut] as number) > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return {
    model: spec,
    testLogLoss: logLossFromLogits(logits, labels),
    testAuc: auc(logits, labels),
    bestLogLoss: floor / (rows - cut),
    examplesPerSec: Math.round(r.examplesPerSecond),
    engine: r.engine,
    peakRssMiB: rssMiB(),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** MovieLens-100K leave-last-out ranking with BPR. */
async function rankingWorker(spec: string, s: ZooQualitySettings): Promise<ZooRankingResult> {
  const { kind, overrides } = parseModelSpec(spec);
  await selectBackend('wasm', { wasmThreads: s.wasmThreads }); // started here, so runRankingMl100k's 'auto' keeps its threads
  const fitOptions = { epochs: s.rankingEpochs, optimizer: 'adam', batchSize: s.batch, learningRate: s.lr, l2: s.l2 } as const;
  const r = await runRankingMl100k({ dir: s.dir, model: kind, task: 'ranking', dim: s.dim, fit: fitOptions, config: overrides, validation: s.validation });
  return {
    model: spec,
    hr10: r.metrics['hr@10'] ?? NaN,
    ndcg10: r.metrics['ndcg@10'] ?? NaN,
    examplesPerSec: Math.round(r.examplesPerSecond),
    engine: r.engine.split(' ')[0] ?? r.engine,
    peakRssMiB: rssMiB(),
    seconds: r.wallSeconds,
  };
}

/**
 * Runs every model's cases, each in its own process, and returns the table rows and the raw results, with the
 * machine's calibration (measured first, printed as the table's first line: `machine-calibration.ts`).
 */
export async function runZooQuality(
  models: readonly string[],
  s: ZooQualitySettings,
  ranking: boolean,
): Promise<{ rows: Record<string, unknown>[]; ctr: (ZooCtrResult | string)[]; ranking: (ZooRankingResult | string)[]; machine: MachineCalibration }> {
  // first, in its own process: the machine's matMul rate, which the heavy models' examples/s scale with
  const machine = await measureMachine();
  console.log(describeMachine(machine));
  const entry = new URL('./zoo-quality.js', import.meta.url);
  const settings = JSON.stringify(s);
  const child = <T>(which: string, kind: string) =>
    runJsonChild<T>(entry, ['--worker', which, '--kind', kind, '--settings', settings], `zoo-quality ${which} worker for ${kind}`).catch((e: unknown) =>
      e instanceof Error ? e.message : String(e),
    );
  const rows: Record<string, unknown>[] = [];
  const ctrs: (ZooCtrResult | string)[] = [];
  const ranks: (ZooRankingResult | string)[] = [];
  for (const kind of models) {
    const c = USER_ITEM.includes(parseModelSpec(kind).kind) ? 'n/a (user-item model)' : await child<ZooCtrResult>('ctr', kind);
    const k = ranking ? await child<ZooRankingResult>('ranking', kind) : 'skipped';
    ctrs.push(c);
    ranks.push(k);
    const ok = <T>(x: T | string): T | undefined => (typeof x === 'string' ? undefined : x);
    const cr = ok(c);
    const rr = ok(k);
    rows.push({
      model: kind,
      'ctr logloss': cr?.testLogLoss ?? (c as string).slice(0, 40),
      'ctr AUC': cr?.testAuc,
      'ctr floor': cr?.bestLogLoss,
      'ctr ex/s': cr?.examplesPerSec,
      'ctr engine': cr?.engine,
      'ctr RSS MiB': cr?.peakRssMiB,
      'HR@10': rr?.hr10 ?? (k as string).slice(0, 40),
      'NDCG@10': rr?.ndcg10,
      'rank ex/s': rr?.examplesPerSec,
      'rank RSS MiB': rr?.peakRssMiB,
    });
    process.stderr.write(`zoo quality ${kind}: ctr ${cr ? `${cr.testLogLoss.toFixed(4)} / ${cr.testAuc.toFixed(4)} in ${cr.seconds.toFixed(0)} s` : c}; ranking ${rr ? `${rr.hr10.toFixed(3)} / ${rr.ndcg10.toFixed(3)} in ${rr.seconds.toFixed(0)} s` : k}\n`);
  }
  return { rows, ctr: ctrs, ranking: ranks, machine };
}

/** Default settings: a size that runs all 21 models in about 15 minutes on a loaded 2-core machine. */
export function zooQualitySettings(
  flags: Partial<Record<'ctr-rows' | 'ctr-ids' | 'epochs' | 'ranking-epochs' | 'batch' | 'lr' | 'l2' | 'dim' | 'dir' | 'wasm-threads', string>> & {
    validation?: boolean;
  },
): ZooQualitySettings {
  return {
    ctrRows: Number(flags['ctr-rows'] ?? 50_000),
    ctrIds: Number(flags['ctr-ids'] ?? 7_800),
    epochs: Number(flags.epochs ?? 2),
    rankingEpochs: Number(flags['ranking-epochs'] ?? 2),
    batch: Number(flags.batch ?? 512),
    lr: Number(flags.lr ?? 4e-3),
    l2: Number(flags.l2 ?? 1e-5),
    dim: Number(flags.dim ?? 16),
    dir: resolve(flags.dir ?? join(import.meta.dirname, '../../../shared/data/ml-100k')),
    validation: flags.validation ?? false,
    wasmThreads: flags['wasm-threads'] === undefined || flags['wasm-threads'] === 'auto' ? 'auto' : Number(flags['wasm-threads']),
  };
}

/** Parses `--models a,b` (specs with overrides allowed, `kind:key=value,…` separated by `;`: {@link splitModelList}). */
export function zooModels(list: string | undefined): string[] {
  return list === undefined ? [...MODEL_KINDS] : splitModelList(list);
}

async function main(): Promise<void> {
  const { values: flags } = benchArgs(import.meta.url, {
    options: {
      worker: { type: 'string' },
      kind: { type: 'string' },
      settings: { type: 'string' },
      models: { type: 'string' },
      'ctr-rows': { type: 'string' },
      'ctr-ids': { type: 'string' },
      epochs: { type: 'string' },
      'ranking-epochs': { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      l2: { type: 'string' },
      dim: { type: 'string' },
      dir: { type: 'string' },
      'wasm-threads': { type: 'string' },
      'skip-ranking': { type: 'boolean', default: false },
      validation: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  if (flags.worker !== undefined) {
    const s = JSON.parse(flags.settings ?? '{}') as ZooQualitySettings;
    const kind = flags.kind as string;
    const out = flags.worker === 'ctr' ? await ctrWorker(kind, s) : await rankingWorker(kind, s);
    console.log(JSON.stringify(out));
    return;
  }
  const s = zooQualitySettings(flags);
  const ranking = !flags['skip-ranking'] && existsSync(join(s.dir, 'u.data'));
  if (!flags['skip-ranking'] && !ranking) console.error(`zoo-quality: ${join(s.dir, 'u.data')} not found: no ranking columns (pass --dir)`);
  console.log(
    `zoo quality: CTR ${s.ctrRows.toLocaleString('en-US')} rows × 39 fields, ${s.ctrIds.toLocaleString('en-US')} ids (80/20 split${s.validation ? '; VALIDATION: 80/20 of the training rows' : ''}), ${s.epochs} epochs; ` +
      `MovieLens-100K leave-last-out${s.validation ? ' (VALIDATION: second-latest per user)' : ''}, BPR, ${s.rankingEpochs} epochs; Adam ${s.lr}, L2 ${s.l2}, batch ${s.batch}, k=${s.dim}, wasm (threads: ${s.wasmThreads})`,
  );
  const r = await runZooQuality(zooModels(flags.models), s, ranking);
  console.log(formatTable(r.rows));
  if (flags.json) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(flags.json, JSON.stringify({ settings: s, ...r }, null, 2));
  }
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
