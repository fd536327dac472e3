/**
 * Out-of-core benchmark (issue 13): for 1M, 5M and 20M generated CTR rows × 39 fields, write them
 * as Arrow shards (`writeCtrShards`) and stream them back (`ShardedDataset`, stored order and
 * shuffled through the default buffer); `encodeToShards` of a 10M-line libffm file with 2^20 hash
 * buckets per field; training: one epoch of FM k=16 (`fit()`, native engine, one thread) streamed
 * from the shards of 1M, 5M, 20M rows, against the first 1M rows in memory in the same run, each
 * scored on the same held-out shards (the generator's first N rows are the same for every N, so
 * the held-out rows follow the largest set); and a warm start: the first N rows, then `warmStart`
 * + the next N, against all 2N rows in one model, one pass over every row each. Each step runs in
 * its own Node process, so its peak RSS (`process.resourceUsage().maxRSS`) is its own. Targets:
 * encode ≤ 1.5 GB peak RSS; 20M rows streamed ≤ 2 GB peak RSS at ≥ 0.9× the in-memory examples/s.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectSource, ctrStream } from '@fm/data';
import { ShardedDataset, encodeToShards, writeCtrShards } from '@fm/data/node';
import { createModel } from '@fm/layers';
import { fit, NativeModel, warmStart, type FitOptions } from '@fm/train';
import { runJsonChild } from './child.js';

/** One measured step. */
export interface ShardsBenchRow {
  step: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  shards: number;
  /** Bytes on disk: the shards written or read, or the input file encoded. */
  diskMiB: number;
  /** Training steps: log loss on the held-out shards after training (and the reference run's, for the warm start). */
  heldOutLogLoss?: number;
  referenceLogLoss?: number;
  note?: string;
}

/** Rows per shard in the training steps (so the training set and the held-out set are whole shards). */
const TRAIN_SHARD_ROWS = 100_000;

const FIELDS = 39;
const HASH_SIZE = 1_000_000;

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function dirBytes(dir: string, files: string[]): Promise<number> {
  let b = 0;
  for (const f of files) b += (await stat(join(dir, f))).size;
  return b;
}

/** Step: generate `rows` CTR rows into shards at `dir`. */
async function writeStep(dir: string, rows: number): Promise<ShardsBenchRow> {
  const t = performance.now();
  const { manifest, bestLogLoss } = await writeCtrShards(dir, { rows, fields: FIELDS, hashSize: HASH_SIZE, seed: 1 });
  const seconds = (performance.now() - t) / 1000;
  const bytes = manifest.shards.reduce((s, x) => s + x.bytes, 0);
  return {
    step: 'generate → write shards',
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMiB: peakRssMiB(),
    shards: manifest.shards.length,
    diskMiB: bytes / 2 ** 20,
    note: `best log loss ${bestLogLoss.toFixed(4)}`,
  };
}

/** Step: one epoch over the shards at `dir`, touching every label and id. */
async function readStep(dir: string, shuffle: boolean): Promise<ShardsBenchRow> {
  const src = await ShardedDataset.open(dir);
  const t = performance.now();
  let rows = 0;
  let check = 0;
  for await (const c of src.chunks({ shuffle, seed: 1, epoch: 0 })) {
    const d = c.data;
    for (let i = 0; i < d.numRows; i++) check += d.labels[i] as number;
    for (let j = 0; j < d.ids.length; j += FIELDS) check += (d.ids[j] as number) & 1;
    rows += c.order ? c.order.length : d.numRows;
  }
  const seconds = (performance.now() - t) / 1000;
  if (rows !== src.numRows) throw new Error(`shards bench: read ${rows} rows of ${src.numRows}`);
  return {
    step: shuffle ? `stream shuffled (buffer ${src.defaultShuffleBuffer.toLocaleString('en-US')} rows)` : 'stream in stored order',
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMiB: peakRssMiB(),
    shards: src.numShards,
    diskMiB: (await dirBytes(dir, src.manifest.shards.map((s) => s.file))) / 2 ** 20,
    note: `checksum ${check}`,
  };
}

/** Writes `rows` generated CTR rows as a libffm text file (`label f:idx:1 …`, local ids per field). */
async function writeLibffm(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 22 });
  const s = ctrStream({ rows, fields: FIELDS, hashSize: HASH_SIZE, seed: 2 });
  const offsets = s.schema.offsets;
  for (const c of s.chunks(65_536)) {
    const d = c.dataset;
    const lines: string[] = new Array(d.numRows);
    for (let i = 0; i < d.numRows; i++) {
      let line = String(d.labels[i]);
      for (let f = 0; f < FIELDS; f++) line += ` ${f}:${(d.ids[i * FIELDS + f] as number) - (offsets[f] as number)}:1`;
      lines[i] = line;
    }
    if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Step: encode the libffm file at `path` into shards with 2^20 buckets per field. */
async function encodeStep(path: string, dir: string): Promise<ShardsBenchRow> {
  const t = performance.now();
  const r = await encodeToShards({ format: 'libffm', path }, dir, { hashing: { bits: 20, seed: 0 } });
  const seconds = (performance.now() - t) / 1000;
  const h = r.hashReport;
  return {
    step: 'encode libffm → shards, hash bits 20',
    rows: r.manifest.numRows,
    seconds,
    rowsPerSecond: r.manifest.numRows / seconds,
    peakRssMiB: peakRssMiB(),
    shards: r.manifest.shards.length,
    diskMiB: (await stat(path)).size / 2 ** 20,
    note: h ? `${h.distinctTokens.toLocaleString('en-US')} tokens in ${h.occupiedBuckets.toLocaleString('en-US')} buckets (${h.collidedTokens} collided)` : '',
  };
}

/** Step: generate `rows` CTR rows into shards of {@link TRAIN_SHARD_ROWS} rows (training sets). */
async function writeTrainStep(dir: string, rows: number): Promise<ShardsBenchRow> {
  const t = performance.now();
  const { manifest, bestLogLoss } = await writeCtrShards(dir, { rows, fields: FIELDS, hashSize: HASH_SIZE, seed: 1, shardRows: TRAIN_SHARD_ROWS });
  const seconds = (performance.now() - t) / 1000;
  return {
    step: 'generate → write shards (training set + held-out)',
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMiB: peakRssMiB(),
    shards: manifest.shards.length,
    diskMiB: manifest.shards.reduce((s, x) => s + x.bytes, 0) / 2 ** 20,
    note: `best log loss ${bestLogLoss.toFixed(4)}`,
  };
}

/** Shard indices [from, to) of a set written by {@link writeTrainStep}. */
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** One epoch of FM k=16, one native thread, scored on `held`: what every training step runs. */
const TRAIN_OPTIONS = (held: Awaited<ReturnType<typeof collectSource>>): FitOptions => ({
  task: 'binary',
  epochs: 1,
  seed: 1,
  threads: 1,
  validation: held,
  earlyStopping: false,
});

/**
 * Step: one epoch of FM k=16 over the first `nTrain` rows of the set at `dir` (`stream`: through
 * `ShardedDataset`; `memory`: read into one in-memory dataset first), scored on the shards after
 * `heldFrom` rows.
 */
async function trainStep(dir: string, nTrain: number, heldFrom: number, mode: 'stream' | 'memory'): Promise<ShardsBenchRow> {
  const src = await ShardedDataset.open(dir);
  const k = nTrain / TRAIN_SHARD_ROWS;
  const h = heldFrom / TRAIN_SHARD_ROWS;
  if (!Number.isInteger(k) || !Number.isInteger(h) || h >= src.numShards) throw new Error(`shards bench: ${nTrain} / ${heldFrom} rows are not whole shards of ${dir}`);
  const held = await collectSource(src.selectShards(range(h, src.numShards)));
  const train = src.selectShards(range(0, k));
  const data = mode === 'memory' ? await collectSource(train) : train;
  const model = NativeModel.create('fm', { fieldDims: src.schema.fieldDims, embeddingDim: 16, seed: 1 });
  const t = performance.now();
  const r = await fit(model, data, TRAIN_OPTIONS(held));
  const seconds = (performance.now() - t) / 1000;
  return {
    step: mode === 'memory' ? 'train FM k=16, 1 epoch, in memory' : 'train FM k=16, 1 epoch, streamed from shards',
    rows: nTrain,
    seconds,
    rowsPerSecond: r.examplesPerSecond,
    peakRssMiB: peakRssMiB(),
    shards: k,
    diskMiB: train.manifest.shards.reduce((s, x) => s + x.bytes, 0) / 2 ** 20,
    heldOutLogLoss: r.history.at(-1)?.valMetrics?.['logloss'] as number,
    note: `${r.engine} engine, held-out ${held.numRows.toLocaleString('en-US')} rows`,
  };
}

/**
 * Step: warm start against one model: the first `n` rows (one epoch), then `warmStart` and the next
 * `n` rows (one epoch, fresh optimizer), against a fresh model over all `2n` rows (one epoch);
 * both scored on the shards after `heldFrom` rows. tfjs layers models (the `fm train` path).
 */
async function warmStep(dir: string, n: number, heldFrom: number, seeds = 1): Promise<ShardsBenchRow> {
  const src = await ShardedDataset.open(dir);
  const k = n / TRAIN_SHARD_ROWS;
  const h = heldFrom / TRAIN_SHARD_ROWS;
  if (!Number.isInteger(k) || !Number.isInteger(h) || 2 * k > h) throw new Error(`shards bench: ${n} rows twice do not fit before the held-out shards of ${dir}`);
  const held = await collectSource(src.selectShards(range(h, src.numShards)));
  const build = () => createModel('fm', { fieldDims: src.schema.fieldDims, width: FIELDS, embeddingDim: 16, seed: 1 });
  const lossOf = (r: Awaited<ReturnType<typeof fit>>) => r.history.at(-1)?.valMetrics?.['logloss'] as number;
  // each seed shuffles the rows differently: the spread over seeds is the noise the two are compared within
  const warmLoss: number[] = [];
  const refLoss: number[] = [];
  let seconds = 0;
  let rowsPerSecond = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const opts = { ...TRAIN_OPTIONS(held), seed };
    const t = performance.now();
    const first = build();
    await fit(first, src.selectShards(range(0, k)), opts);
    const { model: grown } = await warmStart(first, src.schema, src.schema);
    first.dispose();
    const warm = await fit(grown, src.selectShards(range(k, 2 * k)), opts);
    grown.dispose();
    if (seed === 1) {
      seconds = (performance.now() - t) / 1000;
      rowsPerSecond = warm.examplesPerSecond;
    }
    warmLoss.push(lossOf(warm));
    const all = build();
    refLoss.push(lossOf(await fit(all, src.selectShards(range(0, 2 * k)), opts)));
    all.dispose();
  }
  const span = (xs: number[]) => `${Math.min(...xs).toFixed(4)}-${Math.max(...xs).toFixed(4)}`;
  return {
    step: `warm start: ${n.toLocaleString('en-US')} rows, then warmStart + the next ${n.toLocaleString('en-US')} (reference: all ${(2 * n).toLocaleString('en-US')} rows)`,
    rows: 2 * n,
    seconds,
    rowsPerSecond,
    peakRssMiB: peakRssMiB(),
    shards: 2 * k,
    diskMiB: 0,
    heldOutLogLoss: warmLoss[0] as number,
    referenceLogLoss: refLoss[0] as number,
    note:
      'one pass over every row in both; held-out log loss: warm vs reference' +
      (seeds > 1 ? `; over shuffle seeds 1-${seeds}: warm ${span(warmLoss)}, reference ${span(refLoss)}` : ''),
  };
}

/** Runs one step by name in this process (the child entry calls this). */
export async function runShardsStep(step: string, args: string[]): Promise<ShardsBenchRow> {
  const [a = '', b = ''] = args;
  switch (step) {
    case 'write':
      return writeStep(a, Number(b));
    case 'read':
      return readStep(a, b === 'shuffle');
    case 'libffm':
      await writeLibffm(a, Number(b));
      return { step: 'write libffm text', rows: Number(b), seconds: 0, rowsPerSecond: 0, peakRssMiB: peakRssMiB(), shards: 0, diskMiB: (await stat(a)).size / 2 ** 20 };
    case 'encode':
      return encodeStep(a, b);
    case 'write-train':
      return writeTrainStep(a, Number(b));
    case 'train':
      return trainStep(a, Number(b), Number(args[2]), args[3] === 'memory' ? 'memory' : 'stream');
    case 'warm':
      return warmStep(a, Number(b), Number(args[2]), Number(args[3] ?? 1));
    default:
      throw new Error(`shards bench: no step "${step}"`);
  }
}

const STEP_ENTRY = new URL('./shards-step.js', import.meta.url);

function runIsolated(step: string, args: string[]): Promise<ShardsBenchRow> {
  return runJsonChild<ShardsBenchRow>(STEP_ENTRY, [step, ...args], `shards bench step "${step}"`);
}

/** Options of {@link runShardsBench}. */
export interface ShardsBenchOptions {
  /** Tiny sizes (50k and 100k rows, a 100k-line libffm file): a smoke run. */
  quick?: boolean;
  /** Row counts to write and read (default 1M, 5M, 20M). */
  sizes?: number[];
  /** Lines of the libffm file to encode (default 10M; 0 skips it). */
  libffmLines?: number;
  /** Training set sizes streamed from shards (default 1M, 5M, 20M; [] skips training); the first is also trained in memory. */
  trainSizes?: number[];
  /** Rows of each half of the warm-start comparison (default 1M; 0 skips it). */
  warmRows?: number;
  /** Shuffle seeds of the warm-start comparison (default 1): with more, the note gives each side's spread (the noise). */
  warmSeeds?: number;
  /** Parts to run (default all): `io` (write/read), `encode`, `train`, `warm`. */
  parts?: string[];
}

/** Runs every step, each in a child process; temporary files go under the OS temp folder and are removed. */
export async function runShardsBench(opts: ShardsBenchOptions = {}): Promise<ShardsBenchRow[]> {
  if (!existsSync(fileURLToPath(STEP_ENTRY))) throw new Error('shards bench: run the compiled bench (pnpm bench), which has shards-step.js');
  const sizes = opts.sizes ?? (opts.quick ? [50_000, 100_000] : [1_000_000, 5_000_000, 20_000_000]);
  const lines = opts.libffmLines ?? (opts.quick ? 100_000 : 10_000_000);
  const rows: ShardsBenchRow[] = [];
  // Each row is also printed to stderr as soon as its step ends: the full run takes a while.
  const step = async (name: string, args: string[], keep = true): Promise<void> => {
    const row = await runIsolated(name, args);
    console.error(`shards bench: ${JSON.stringify(row)}`);
    if (keep) rows.push(row);
  };
  const parts = new Set(opts.parts ?? ['io', 'encode', 'train', 'warm']);
  const trainSizes = parts.has('train') ? (opts.trainSizes ?? (opts.quick ? [100_000, 200_000] : [1_000_000, 5_000_000, 20_000_000])) : [];
  const warmRows = parts.has('warm') ? (opts.warmRows ?? (opts.quick ? 100_000 : 1_000_000)) : 0;
  const tmp = await mkdtemp(join(tmpdir(), 'fm-shards-bench-'));
  try {
    if (trainSizes.length > 0 || warmRows > 0) {
      // One set: the largest training size (or 2 × warm rows) + 2 held-out shards; smaller sets are its first rows.
      const heldFrom = Math.max(...trainSizes, 2 * warmRows);
      const dir = join(tmp, 'train-set');
      await step('write-train', [dir, String(heldFrom + 2 * TRAIN_SHARD_ROWS)]);
      const first = trainSizes[0];
      if (first !== undefined) await step('train', [dir, String(first), String(heldFrom), 'memory']);
      for (const n of trainSizes) await step('train', [dir, String(n), String(heldFrom), 'stream']);
      if (warmRows > 0) await step('warm', [dir, String(warmRows), String(heldFrom), String(opts.warmSeeds ?? 1)]);
      await rm(dir, { recursive: true, force: true });
    }
    for (const n of parts.has('io') ? sizes : []) {
      const dir = join(tmp, `ctr-${n}`);
      await step('write', [dir, String(n)]);
      await step('read', [dir, 'stored']);
      await step('read', [dir, 'shuffle']);
      await rm(dir, { recursive: true, force: true });
    }
    if (lines > 0 && parts.has('encode')) {
      const file = join(tmp, 'ctr.ffm');
      await step('libffm', [file, String(lines)], false);
      await step('encode', [file, join(tmp, 'ffm-shards')]);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return rows;
}
