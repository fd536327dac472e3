/**
 * How the defaults of `TRAINING_DEFAULTS` (@fm/train) are chosen: every candidate setting trains on a
 * split's training file with early stopping on a seeded 10 % validation slice of it; the choice is made
 * on the VALIDATION metric only, across all data sets at once (a default must hold off the path it was
 * tuned on); the test metric is printed next to it for the record, never used to choose.
 *
 * Data sets: MovieLens-100K `ua` and `u1` (ids only), the same `ua` split written to libFM text files
 * with side features (user, item, age, gender, occupation, genres) and read back through the libFM
 * loader, and the 39-field CTR generator (binary).
 *
 *   pnpm --filter @fm/bench tune [--dir ../shared/data/ml-100k] [--task regression|binary] [--dim 16] [--only NAME]
 *                                [--kind fm|ffm|deepfm|…|KIND:key=value,…] [--normalize true|false] [--ctr-rows 300000] [--ctr-fields 39]
 *                                [--splits ua,u1,libFM,CTR,ratings]
 *   (--kind takes a model spec as zoo-speed's --models: `autoint:attentionSize=8`; --normalize: FFM's instance-wise normalisation; --splits: which data sets, the large synthetic "ratings" set
 *   (698k ratings, for the deep cell's large-data batch) only when named)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { encodeInteractions, generateCtr, generateRatings, parseLibsvm, Rng, splitLines, type SparseDataset } from '@fm/data';
import { loadMovieLens, type MovieLensData } from '@fm/data/node';
import { createModel } from '@fm/layers';
import { fit, predict, selectBackend, type FitOptions } from '@fm/train';
import '@fm/train/node';
import { benchArgs } from './bench-args.js';
import { parseModelSpec, type ModelSpec } from './model-spec.js';

interface Split {
  name: string;
  task: 'regression' | 'binary';
  train: SparseDataset;
  test: SparseDataset;
  clip?: [number, number];
}

/** `u1` by MovieLens' recipe: u1.test = lines 1-20,000 of u.data, u1.base = the rest, each sorted by user, then item. */
function u1Files(dir: string, out: string): { base: string; test: string } {
  const lines = readFileSync(join(dir, 'u.data'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const sort = (ls: string[]) =>
    ls
      .map((l) => ({ l, f: l.split('\t').map(Number) }))
      .sort((a, b) => (a.f[0] as number) - (b.f[0] as number) || (a.f[1] as number) - (b.f[1] as number))
      .map((x) => x.l);
  const base = join(out, 'u1.base');
  const test = join(out, 'u1.test');
  writeFileSync(test, sort(lines.slice(0, 20000)).join('\n') + '\n');
  writeFileSync(base, sort(lines.slice(20000)).join('\n') + '\n');
  return { base, test };
}

async function movieLensSplit(name: string, basePath: string, testPath: string, binary = false): Promise<Split> {
  const base = await loadMovieLens(basePath, { items: false, users: false });
  const test = await loadMovieLens(testPath, { items: false, users: false });
  const enc = encodeInteractions(base.interactions);
  const t = encodeInteractions(test.interactions, { encoder: enc.encoder });
  if (!binary) return { name, task: 'regression', train: enc.dataset, test: t.dataset, clip: [1, 5] };
  // binary: a rating of 4 or 5 is a like
  for (const ds of [enc.dataset, t.dataset]) ds.labels.forEach((y, i) => (ds.labels[i] = y >= 4 ? 1 : 0));
  return { name: `${name}(≥4)`, task: 'binary', train: enc.dataset, test: t.dataset };
}

/** `ua` with side features, written as libFM files and read back through the libFM loader. */
async function libfmSplit(dir: string, out: string): Promise<Split> {
  const withSide = async (file: string): Promise<MovieLensData> => loadMovieLens(join(dir, file));
  const base = await withSide('ua.base');
  const test = await withSide('ua.test');
  const features = ['genres', 'age', 'gender', 'occupation'] as const;
  const enc = encodeInteractions(base.interactions, { items: base.items, users: base.users, features: [...features] });
  const t = encodeInteractions(test.interactions, { encoder: enc.encoder, items: base.items, users: base.users, features: [...features] });
  const write = (ds: SparseDataset, path: string) => {
    const lines: string[] = [];
    for (let r = 0; r < ds.numRows; r++) {
      const parts = [String(ds.labels[r])];
      for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) parts.push(`${ds.ids[j]}:${ds.values[j]}`);
      lines.push(parts.join(' '));
    }
    writeFileSync(path, lines.join('\n') + '\n');
  };
  write(enc.dataset, join(out, 'ua.train.libfm'));
  write(t.dataset, join(out, 'ua.test.libfm'));
  const read = (p: string) => splitLines(readFileSync(p, 'utf8'));
  const train = await parseLibsvm(read(join(out, 'ua.train.libfm')), { file: 'ua.train.libfm', zeroBased: true });
  const testDs = await parseLibsvm(read(join(out, 'ua.test.libfm')), { file: 'ua.test.libfm', zeroBased: true, encoder: train.encoder });
  return { name: 'ua libFM file (side features)', task: 'regression', train: train.dataset, test: testDs.dataset, clip: [1, 5] };
}

function ctrSplit(rows: number, fields = 39, hashSize = Math.round(rows / 10)): Split {
  const g = generateCtr({ rows, fields, hashSize, seed: 11 });
  const perm = new Rng(3).permutation(rows);
  const nTest = Math.round(rows / 10);
  return { name: `CTR ${rows / 1000}k×${fields} (best logloss ${g.bestLogLoss.toFixed(4)})`, task: 'binary', train: g.dataset.select(perm.subarray(nTest)), test: g.dataset.select(perm.subarray(0, nTest)) };
}

/** A large synthetic rating set (698k ratings of 10,000 users × 3,000 items), 10 % held out as the test rows. */
function ratingsSplit(): Split {
  const g = generateRatings({ users: 10_000, items: 3000, density: 0.0233, seed: 5 });
  const { dataset } = encodeInteractions(g.interactions);
  const perm = new Rng(3).permutation(dataset.numRows);
  const nTest = Math.round(dataset.numRows / 10);
  const pick = (rows: Int32Array) => dataset.select(rows.slice().sort());
  return { name: `ratings ${Math.round(dataset.numRows / 1000)}k (synthetic)`, task: 'regression', train: pick(perm.subarray(nTest)), test: pick(perm.subarray(0, nTest)), clip: [1, 5] };
}

const logLoss = (s: Float32Array, y: Float32Array) => s.reduce((a, x, i) => a + Math.max(x, 0) - x * (y[i] as number) + Math.log1p(Math.exp(-Math.abs(x))), 0) / s.length;
const rmse = (s: Float32Array, y: Float32Array) => Math.sqrt(s.reduce((a, x, i) => a + (x - (y[i] as number)) ** 2, 0) / s.length);

async function evaluate(split: Split, spec: ModelSpec, dim: number, opts: FitOptions, normalize?: boolean) {
  const model = createModel(spec.kind, {
    fieldDims: split.train.schema.fieldDims,
    embeddingDim: dim,
    seed: 1,
    width: Math.max(split.train.maxRowLength, split.test.maxRowLength),
    ...(normalize !== undefined ? { normalize } : {}),
    ...spec.overrides,
  });
  const t0 = performance.now();
  const r = await fit(model, split.train, { task: split.task, seed: 42, ...opts });
  const scores = await predict(model, split.test, split.clip ? { clip: split.clip } : {});
  model.dispose();
  const val = split.task === 'regression' ? (r.valMetrics?.['rmse'] as number) : (r.valMetrics?.['logloss'] as number);
  const test = split.task === 'regression' ? rmse(scores, split.test.labels) : logLoss(scores, split.test.labels);
  return { val, test, epochs: r.epochs, best: r.bestEpoch, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const { values } = benchArgs(import.meta.url, {
    options: {
      dir: { type: 'string' },
      task: { type: 'string' },
      dim: { type: 'string' },
      only: { type: 'string' },
      kind: { type: 'string' },
      normalize: { type: 'string' },
      'ctr-rows': { type: 'string' },
      'ctr-fields': { type: 'string' },
      splits: { type: 'string' },
    },
  });
  const normalize = values.normalize === undefined ? undefined : values.normalize === 'true';
  const dir = resolve(values.dir ?? join(import.meta.dirname, '../../../shared/data/ml-100k'));
  const dim = Number(values.dim ?? 16);
  const spec = parseModelSpec(values.kind ?? 'fm');
  await selectBackend('wasm');
  const out = mkdtempSync(join(tmpdir(), 'fm-tune-'));
  try {
    const task = values.task ?? 'regression';
    const u1 = u1Files(dir, out);
    // --splits: a comma list of split names (ua, u1, libFM, CTR; regression also "ratings", the large synthetic set, only when named)
    const wanted = (name: string, byDefault = true) => (values.splits === undefined ? byDefault : values.splits.split(',').includes(name));
    const makers: [string, () => Promise<Split> | Split, boolean][] =
      task === 'regression'
        ? [
            ['ua', () => movieLensSplit('ua', join(dir, 'ua.base'), join(dir, 'ua.test')), true],
            ['u1', () => movieLensSplit('u1', u1.base, u1.test), true],
            ['libFM', () => libfmSplit(dir, out), true],
            ['ratings', ratingsSplit, false],
          ]
        : [
            ['ua', () => movieLensSplit('ua', join(dir, 'ua.base'), join(dir, 'ua.test'), true), true],
            ['u1', () => movieLensSplit('u1', u1.base, u1.test, true), true],
            ['CTR', () => ctrSplit(Number(values['ctr-rows'] ?? 300_000), Number(values['ctr-fields'] ?? 39)), true],
          ];
    const splits: Split[] = [];
    for (const [name, make, byDefault] of makers) if (wanted(name, byDefault)) splits.push(await make());
    if (splits.length === 0) throw new Error(`tune: --splits ${values.splits} names no split of task ${task} (${makers.map(([n]) => n).join(', ')})`);
    const grid: [string, FitOptions][] = [
      ['default', {}],
      ['sgd b1 lr.005 l2 .1/.07', { optimizer: 'sgd', batchSize: 1, learningRate: 0.005, l2: { linear: 0.1, factors: 0.07 } }],
      ['sgd b1 lr.01 l2 .05', { optimizer: 'sgd', batchSize: 1, learningRate: 0.01, l2: { linear: 0.05, factors: 0.05 } }],
      ['sgd b1 lr.005 l2 .04', { optimizer: 'sgd', batchSize: 1, learningRate: 0.005, l2: { linear: 0.04, factors: 0.04 } }],
      ['adagrad b1 lr.05 l2 .05', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.05, l2: { linear: 0.05, factors: 0.05 } }],
      ['adagrad b1 lr.1 l2 .05', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.1, l2: { linear: 0.05, factors: 0.05 } }],
      ['adagrad b1 lr.05 l2 .1/.07', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.05, l2: { linear: 0.1, factors: 0.07 } }],
      ['adagrad b1 lr.02 l2 .1/.07', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.02, l2: { linear: 0.1, factors: 0.07 } }],
      ['adam b256 lr2e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 256, learningRate: 2e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr6e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 6e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b512 lr2.8e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 512, learningRate: 2e-3 * Math.SQRT2, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b1024 lr4e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 1024, learningRate: 4e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr5.7e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 2e-3 * Math.sqrt(8), l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr2e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 2e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr2.8e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 2e-3 * Math.SQRT2, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr8e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 8e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b2048 lr4e-3 l2 .03/.2', { optimizer: 'adam', batchSize: 2048, learningRate: 4e-3, l2: { linear: 0.03, factors: 0.2 } }],
      ['adam b256 lr2e-3 l2 .05', { optimizer: 'adam', batchSize: 256, learningRate: 2e-3, l2: { linear: 0.05, factors: 0.05 } }],
      ['adam b1024 lr5e-3 l2 .05', { optimizer: 'adam', batchSize: 1024, learningRate: 5e-3, l2: { linear: 0.05, factors: 0.05 } }],
      ['adam b1024 lr5e-3 l2 .1', { optimizer: 'adam', batchSize: 1024, learningRate: 5e-3, l2: { linear: 0.1, factors: 0.1 } }],
    ];
    if (task === 'binary') {
      grid.push(
        ['sgd b1 lr.005 l2 .02', { optimizer: 'sgd', batchSize: 1, learningRate: 0.005, l2: { linear: 0.02, factors: 0.02 } }],
        ['sgd b1 lr.005 l2 .01', { optimizer: 'sgd', batchSize: 1, learningRate: 0.005, l2: { linear: 0.01, factors: 0.01 } }],
        ['sgd b1 lr.005 l2 .04/.02', { optimizer: 'sgd', batchSize: 1, learningRate: 0.005, l2: { linear: 0.04, factors: 0.02 } }],
        ['sgd b1 lr.01 l2 .02', { optimizer: 'sgd', batchSize: 1, learningRate: 0.01, l2: { linear: 0.02, factors: 0.02 } }],
        ['sgd b1 lr.02 l2 .02', { optimizer: 'sgd', batchSize: 1, learningRate: 0.02, l2: { linear: 0.02, factors: 0.02 } }],
        ['adagrad b1 lr.05 l2 .02', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.05, l2: { linear: 0.02, factors: 0.02 } }],
        ['adam b256 lr2e-3 l2 .02', { optimizer: 'adam', batchSize: 256, learningRate: 2e-3, l2: { linear: 0.02, factors: 0.02 } }],
        ['adagrad b1 lr.2 l2 2e-5 (libffm)', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.2, l2: 2e-5 }],
        ['adagrad b1 lr.1 l2 .001', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.1, l2: 0.001 }],
        ['adagrad b1 lr.03 l2 .02', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.03, l2: { linear: 0.02, factors: 0.02 } }],
        ['adagrad b1 lr.02 l2 .02', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.02, l2: { linear: 0.02, factors: 0.02 } }],
        ['adagrad b1 lr.01 l2 .02', { optimizer: 'adagrad', batchSize: 1, learningRate: 0.01, l2: { linear: 0.02, factors: 0.02 } }],
      );
    }
    const filtered = values.only ? grid.filter(([n]) => values.only?.split(',').some((o) => n.includes(o))) : grid;
    const rows: Record<string, unknown>[] = [];
    for (const [name, opts] of filtered) {
      const cells: string[] = [];
      let valSum = 0;
      for (const split of splits) {
        const r = await evaluate(split, spec, dim, opts, normalize);
        valSum += r.val;
        cells.push(`${split.name.split(' ')[0]} val ${r.val.toFixed(4)} test ${r.test.toFixed(4)} (${r.best}/${r.epochs} ep, ${r.seconds.toFixed(1)}s)`);
        rows.push({ setting: name, data: split.name, ...r });
      }
      console.log(`${name.padEnd(28)} mean val ${(valSum / splits.length).toFixed(4)} | ${cells.join(' | ')}`);
    }
    if (process.env.TUNE_JSON) writeFileSync(process.env.TUNE_JSON, JSON.stringify(rows, null, 1));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
