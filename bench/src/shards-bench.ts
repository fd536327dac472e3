/**
 * Out-of-core data benchmark (issue 13), no training: for 1M, 5M and 20M generated CTR rows × 39
 * fields, write them as Arrow shards (`writeCtrShards`) and stream them back (`ShardedDataset`,
 * stored order and shuffled through the default buffer); and `encodeToShards` of a 10M-line libffm
 * file with 2^20 hash buckets per field. Each step runs in its own Node process, so its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own. Targets: encode ≤ 1.5 GB peak RSS; reads whose
 * memory follows the shuffle buffer, not the rows.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ctrStream } from '@fm/data';
import { ShardedDataset, encodeToShards, writeCtrShards } from '@fm/data/node';
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
  note?: string;
}

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
  const tmp = await mkdtemp(join(tmpdir(), 'fm-shards-bench-'));
  try {
    for (const n of sizes) {
      const dir = join(tmp, `ctr-${n}`);
      await step('write', [dir, String(n)]);
      await step('read', [dir, 'stored']);
      await step('read', [dir, 'shuffle']);
      await rm(dir, { recursive: true, force: true });
    }
    if (lines > 0) {
      const file = join(tmp, 'ctr.ffm');
      await step('libffm', [file, String(lines)], false);
      await step('encode', [file, join(tmp, 'ffm-shards')]);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return rows;
}
