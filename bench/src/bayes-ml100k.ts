/**
 * Quality and speed of the native MCMC (Bayesian FM) and ALS solvers on MovieLens-100K (not a test: the
 * data cannot be committed). Splits `ua` (the shipped files) and `u1` (built from u.data by MovieLens'
 * recipe: lines 1-20,000 test, the rest train, each sorted by user then item). Prints a table and, with
 * `--json FILE`, writes the rows.
 *
 *   pnpm --filter @fm/bench bayes [--dir ../shared/data/ml-100k] [--iterations 200] [--repeats 3]
 *                                 [--only ids,features,raters,als,binary,timing] [--implicit-norm sum|l2] [--tune] [--json FILE]
 *                                 [--libfm PATH/TO/libFM]
 *
 * `--libfm BIN` adds, under each MCMC row, libFM's MCMC (k = 8, the same iterations, groups = fields, seed 1) on the
 * same encoded train and test data (libfm-peer.ts).
 *
 * `--tune` runs the validation experiments that chose the solvers' defaults (`BAYES_DEFAULTS`): a seeded
 * 10 % slice of ua.base held out, never ua.test or u1.test.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  encodeInteractions,
  randomSplit,
  selectInteractions,
  type InteractionFeature,
  type Interactions,
  type ItemInfo,
  type SparseDataset,
  type UserInfo,
} from '@fm/data';
import { loadMovieLens } from '@fm/data/node';
import { createModel } from '@fm/layers';
import { BayesianFm, fit, predict, selectBackend, type BayesianFmOptions } from '@fm/train';
import '@fm/train/node'; // registers the MCMC/ALS sweep threads
import { createNativeParams, nativePredict } from '@fm/train/native';
import { auc, logLoss, rmse } from '@fm/eval';
import { formatTable } from './format-table.js';
import { runLibfmMcmc } from './libfm-peer.js';
import { benchArgs } from './bench-args.js';

const FEATURES: InteractionFeature[] = ['genres', 'age', 'gender', 'occupation', 'rated'];

interface Split {
  name: string;
  base: Interactions;
  test: Interactions;
}

interface Side {
  items: Map<number, ItemInfo>;
  users: Map<number, UserInfo>;
}

/** Rows of `x` sorted by user, then item. */
function sortedRows(x: Interactions, rows: number[]): Interactions {
  rows.sort((a, b) => (x.user[a] as number) - (x.user[b] as number) || (x.item[a] as number) - (x.item[b] as number));
  return selectInteractions(x, rows);
}

async function loadSplits(dir: string): Promise<{ splits: Split[]; side: Side }> {
  const all = await loadMovieLens(join(dir, 'u.data'));
  if (!all.items || !all.users) throw new Error(`bayes: ${dir} lacks u.item or u.user`);
  const ua = { name: 'ua', base: (await loadMovieLens(join(dir, 'ua.base'))).interactions, test: (await loadMovieLens(join(dir, 'ua.test'))).interactions };
  const n = all.interactions.length;
  const u1 = {
    name: 'u1',
    test: sortedRows(all.interactions, Array.from({ length: 20000 }, (_, i) => i)),
    base: sortedRows(all.interactions, Array.from({ length: n - 20000 }, (_, i) => 20000 + i)),
  };
  return { splits: [ua, u1], side: { items: all.items, users: all.users } };
}

/** Weights of the `rated`/`raters` bags (`--implicit-norm`, default 'sum'). */
let implicitNorm: 'sum' | 'l2' = 'sum';

/** Train/test datasets of a split; `rated` bags come from the training log only. */
function encode(split: Split, side: Side, features: InteractionFeature[], binary = false): { train: SparseDataset; test: SparseDataset } {
  const enc = encodeInteractions(split.base, { ...side, features, implicitNorm });
  const te = encodeInteractions(split.test, { encoder: enc.encoder, ...side, features, implicitFrom: split.base });
  if (binary) {
    for (const ds of [enc.dataset, te.dataset]) for (let i = 0; i < ds.numRows; i++) ds.labels[i] = (ds.labels[i] as number) >= 4 ? 1 : 0;
  }
  return { train: enc.dataset, test: te.dataset };
}

/** Runs a solver for `iterations` sweeps, tracking the test set; returns the final predictive mean and loop time. */
function runSolver(train: SparseDataset, test: SparseDataset, options: BayesianFmOptions, iterations: number, log?: (line: string) => void) {
  const fm = new BayesianFm(train, options);
  const h = fm.track(test);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const info = fm.iterate();
    if (log && ((i + 1) % 50 === 0 || i === 0)) {
      const m = fm.trackedMean(h);
      const metric = info.trainRmse !== undefined ? `test RMSE ${rmse(m, test.labels).toFixed(4)}` : `test log loss ${logLoss(m, test.labels).toFixed(4)}`;
      log(`  iteration ${i + 1}: ${metric}, ${info.millis.toFixed(0)} ms`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const threads = fm.threads;
  fm.close(); // stops its sweep threads; it still predicts
  return { fm, mean: fm.trackedMean(h), seconds, threads };
}

/** Test RMSE of one FM holding the posterior-mean parameters (what a tfjs FM gets when they are written into it), clipped to [1, 5]. */
function pointRmse(fm: BayesianFm, test: SparseDataset): number {
  const p = fm.posteriorMean();
  const params = createNativeParams('fm', fm.schema.fieldDims, p.k, { seed: 0, initStd: 0 });
  params.bias.set(p.bias);
  params.linear.set(p.linear);
  params.factors.set(p.factors);
  const pred = nativePredict(params, test).map((v) => Math.min(5, Math.max(1, v)));
  return rmse(pred, test.labels);
}

/** The libFM binary of `--libfm`, run beside each MCMC row when given. */
let libfmBin: string | undefined;

/**
 * Table rows: MCMC k = 8 with side `features` on a split (the `rated`/`raters` bags weighted by `--implicit-norm`;
 * none: ids only), then libFM's MCMC on the same data when `--libfm` is given.
 */
function mcmcRows(split: Split, side: Side, features: InteractionFeature[], what: string, iterations: number, log: (line: string) => void): Record<string, unknown>[] {
  const { train, test } = encode(split, side, features);
  log(`${split.name}: MCMC with ${what} (${(train.nnz / train.numRows).toFixed(0)} non-zeros per row)`);
  const r = runSolver(train, test, { k: 8 }, iterations, log);
  const common = {
    split: split.name,
    features: ['user', 'item', ...features].join(', ') + (implicitNorm === 'l2' && features.length > 0 ? ' (l2)' : ''),
    groups: 'fields',
  };
  const rows: Record<string, unknown>[] = [
    { ...common, solver: `mcmc k=8, ${iterations} it`, 'test RMSE': rmse(r.mean, test.labels), 'RMSE, posterior-mean params': pointRmse(r.fm, test), 'wall s': r.seconds },
  ];
  if (libfmBin) {
    log(`${split.name}: libFM MCMC with ${what}`);
    const l = runLibfmMcmc(libfmBin, train, test, { k: 8, iterations, seed: 1 });
    rows.push({ ...common, solver: `libFM mcmc k=8, ${iterations} it`, 'test RMSE': l.rmse, 'wall s': l.seconds });
  }
  return rows;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function tune(split: Split, side: Side, iterations: number): Promise<void> {
  // Hold out 10 % of ua.base (seeded) as validation; the test file is not read here.
  const s = randomSplit(split.base.length, { testFraction: 0.1, seed: 1 });
  const inner: Split = { name: 'ua.base/valid', base: selectInteractions(split.base, s.train), test: selectInteractions(split.base, s.test) };
  const { train, test } = encode(inner, side, []);
  console.log('\n== Validation (10 % of ua.base): MCMC k=8 ids only, RMSE of the average from each burn-in, mean of seeds 1-3 ==');
  const burnIns = [0, 5, 10, 20, 50];
  const seeds = [1, 2, 3];
  const rows: Record<string, unknown>[] = [];
  for (const initStd of [0.05, 0.1, 0.2, 0.5]) {
    const totals = burnIns.map(() => 0);
    for (const seed of seeds) {
      // burnIn beyond the run: trackedMean is then the current sample, averaged here from each burn-in.
      const fm = new BayesianFm(train, { k: 8, initStd, seed, burnIn: iterations + 1 });
      const h = fm.track(test);
      const sums = burnIns.map(() => new Float64Array(test.numRows));
      for (let i = 1; i <= iterations; i++) {
        fm.iterate();
        const cur = fm.trackedMean(h);
        burnIns.forEach((b, j) => {
          if (i > b) {
            const sum = sums[j] as Float64Array;
            for (let r = 0; r < sum.length; r++) sum[r] = (sum[r] as number) + (cur[r] as number);
          }
        });
      }
      burnIns.forEach((b, j) => {
        const mean = Float32Array.from(sums[j] as Float64Array, (v) => Math.min(5, Math.max(1, v / (iterations - b))));
        totals[j] = (totals[j] as number) + rmse(mean, test.labels) / seeds.length;
      });
    }
    const row: Record<string, unknown> = { initStd };
    burnIns.forEach((b, j) => (row[`burnIn ${b}`] = totals[j]));
    rows.push(row);
  }
  console.log(formatTable(rows));
  console.log('\n== Validation: ALS k=8, L2 λ (linear = factors), validation RMSE after 50 / 100 / 200 sweeps ==');
  const als: Record<string, unknown>[] = [];
  for (const l2 of [2, 5, 8, 10, 12, 15, 20, 30]) {
    const fm = new BayesianFm(train, { solver: 'als', k: 8, l2: { linear: l2, factors: l2 } });
    const h = fm.track(test);
    const row: Record<string, unknown> = { l2 };
    for (let i = 1; i <= 200; i++) {
      fm.iterate();
      if (i === 50 || i === 100 || i === 200) row[`${i} sweeps`] = rmse(fm.trackedMean(h), test.labels);
    }
    als.push(row);
  }
  console.log(formatTable(als));
  // k is the (8); this shows what a larger one does with the side features (validation only)
  console.log('\n== Validation: MCMC with the side features (genres, age, gender, occupation, rated), RMSE by k, seed 1 ==');
  const withFeatures = encode(inner, side, FEATURES);
  const byK: Record<string, unknown>[] = [];
  for (const k of [4, 8, 16, 32]) {
    const r = runSolver(withFeatures.train, withFeatures.test, { k, seed: 1 }, iterations);
    byK.push({ k, 'validation RMSE': rmse(r.mean, withFeatures.test.labels), 'wall s': r.seconds });
  }
  console.log(formatTable(byK));
}

/** Expected calibration error over 10 equal-width probability bins (|mean p − positive rate|, weighted by bin size). */
function calibrationError(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const bins = 10;
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  const n = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.floor((p[i] as number) * bins));
    sp[b] = (sp[b] as number) + (p[i] as number);
    sy[b] = (sy[b] as number) + (y[i] as number);
    n[b] = (n[b] as number) + 1;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) e += Math.abs((sp[b] as number) - (sy[b] as number));
  return e / p.length;
}

async function binaryRows(split: Split, side: Side, iterations: number): Promise<Record<string, unknown>[]> {
  const { train, test } = encode(split, side, [], true);
  const rows: Record<string, unknown>[] = [];
  const t0 = performance.now();
  const r = runSolver(train, test, { task: 'binary', k: 8 }, iterations);
  rows.push({ split: split.name, task: 'binary (rating ≥ 4)', solver: `mcmc probit k=8, ${iterations} it`, 'test AUC': auc(r.mean, test.labels), 'test log loss': logLoss(r.mean, test.labels), 'calibration error': calibrationError(r.mean, test.labels), 'wall s': (performance.now() - t0) / 1000 });
  const report = await selectBackend('auto');
  const t1 = performance.now();
  const model = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 8, width: train.maxRowLength, seed: 1 });
  const result = await fit(model, train, { task: 'binary' });
  const p = await predict(model, test, { sigmoid: true });
  rows.push({
    split: split.name,
    task: 'binary (rating ≥ 4)',
    solver: `fit() default FM k=8 (${result.engine}, ${report.backend}, ${result.epochs} epochs)`,
    'test AUC': auc(p, test.labels),
    'test log loss': logLoss(p, test.labels),
    'calibration error': calibrationError(p, test.labels),
    'wall s': (performance.now() - t1) / 1000,
  });
  model.dispose();
  return rows;
}

async function main(): Promise<void> {
  const { values } = benchArgs(import.meta.url, {
    options: {
      dir: { type: 'string' },
      iterations: { type: 'string' },
      repeats: { type: 'string' },
      only: { type: 'string' },
      tune: { type: 'boolean', default: false },
      json: { type: 'string' },
      'implicit-norm': { type: 'string' },
      libfm: { type: 'string' },
    },
  });
  if (values.libfm !== undefined && !existsSync(values.libfm)) throw new Error(`bayes: --libfm ${values.libfm}: no such file (the path of a libFM binary you built)`);
  libfmBin = values.libfm;
  const norm = values['implicit-norm'] ?? 'sum';
  if (norm !== 'sum' && norm !== 'l2') throw new Error(`bayes: --implicit-norm must be sum or l2, got ${norm}`);
  implicitNorm = norm;
  const dir = resolve(values.dir ?? join(import.meta.dirname, '../../../shared/data/ml-100k'));
  if (!existsSync(join(dir, 'u.data')) || !existsSync(join(dir, 'ua.base'))) {
    console.error(`bayes: ${dir} must hold u.data, u.item, u.user, ua.base and ua.test (pass --dir)`);
    process.exit(1);
  }
  const iterations = Number(values.iterations ?? 200);
  const repeats = Number(values.repeats ?? 3);
  const only = new Set((values.only ?? 'ids,features,als,binary,timing').split(','));
  const { splits, side } = await loadSplits(dir);
  const log = (line: string) => console.error(line);
  if (values.tune) {
    await tune(splits[0] as Split, side, iterations);
    return;
  }
  const rows: Record<string, unknown>[] = [];
  for (const split of splits) {
    if (only.has('ids')) rows.push(...mcmcRows(split, side, [], 'ids only', iterations, log));
    if (only.has('features')) rows.push(...mcmcRows(split, side, FEATURES, 'features', iterations, log));
    // beyond the list: `raters`, every user who rated the item (the item-side implicit block)
    if (only.has('raters')) rows.push(...mcmcRows(split, side, [...FEATURES, 'raters'], 'features and raters', iterations, log));
    if (only.has('als')) {
      const { train, test } = encode(split, side, []);
      log(`${split.name}: ALS ids only`);
      const r = runSolver(train, test, { solver: 'als', k: 8 }, iterations, log);
      rows.push({ split: split.name, solver: `als k=8, ${iterations} it`, features: 'user, item', groups: 'fields', 'test RMSE': rmse(r.mean, test.labels), 'wall s': r.seconds });
    }
  }
  console.log('\n== MovieLens-100K, test RMSE (defaults chosen on a validation slice of ua.base) ==');
  console.log(formatTable(rows));
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quality: rows };
  if (only.has('timing')) {
    const ua = splits[0] as Split;
    const { train, test } = encode(ua, side, []);
    // one thread and the default ('auto': the sweep threads `@fm/train/node` registers) alternating, side by side
    const times: Record<string, { threads: number; runs: number[] }> = { '1': { threads: 1, runs: [] }, auto: { threads: 1, runs: [] } };
    for (let i = 0; i < repeats; i++) {
      for (const t of ['1', 'auto'] as const) {
        const r = runSolver(train, test, { k: 8, threads: t === 'auto' ? 'auto' : 1 }, iterations);
        const slot = times[t] as { threads: number; runs: number[] };
        slot.threads = r.threads;
        slot.runs.push(r.seconds);
      }
    }
    const timing = Object.entries(times).map(([t, { threads, runs }]) => ({
      what: `${iterations} MCMC iterations, ua.base, k=8, ids only, test tracked`,
      'threads option': t,
      threads,
      'median wall s': median(runs),
      runs: runs.map((x) => x.toFixed(2)).join(' '),
    }));
    console.log('\n== Timing (loop only; data loading and encoding excluded) ==');
    console.log(formatTable(timing));
    out.timing = timing;
  }
  if (only.has('binary')) {
    await tf.ready();
    const bin = await binaryRows(splits[0] as Split, side, iterations);
    console.log('\n== Binary: ua with rating ≥ 4 as 1 ==');
    console.log(formatTable(bin));
    out.binary = bin;
  }
  if (values.json) {
    await writeFile(values.json, JSON.stringify(out, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
