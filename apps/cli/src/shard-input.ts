// Sharded Arrow datasets (a directory of Arrow IPC shards + manifest.json, issue 13) as the CLI sees
// them: detection, opening, streamed scoring, progress of streaming jobs, and the hashing flags.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { parseHashBits, SHARDS_MANIFEST, type DatasetSource, type Encoder, type HashingConfig, type HashReport, type StreamProgress } from '@fm/data';
import { ShardedDataset } from '@fm/data/node';
import type { NativeModel } from '@fm/train';
import type { CommandContext } from './context.js';
import { CliError, UsageError } from './errors.js';
import { pointwiseMetrics, predictScores, type Task } from './modeling.js';
import { formatDuration, formatRate } from './progress.js';
import { fmtNum } from './text.js';

/** `--shuffle-buffer N`: rows a streamed epoch shuffles at a time. */
export const SHUFFLE_BUFFER_OPTION = {
  type: 'int',
  min: 1,
  placeholder: 'N',
  description: 'shard directories: rows shuffled at a time when training (default: 65,536 or two shards, whichever is more; memory follows it)',
} as const;
/** `--hash-bits B` or `FIELD=B,…`. */
export const HASH_BITS_OPTION = {
  type: 'string',
  placeholder: 'B|F=B,…',
  description: 'hash categorical fields into 2^B ids each (or only the fields named) instead of fitting vocabularies; collisions are reported',
} as const;
/** `--hash-seed S`. */
export const HASH_SEED_OPTION = { type: 'int', min: 0, description: 'seed of --hash-bits (default 0)' } as const;

/** True when `path` is a directory holding a shard manifest (written last, so the set is complete). */
export async function isShardDir(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  return (await stat(join(path, SHARDS_MANIFEST)).catch(() => undefined))?.isFile() === true;
}

/** Opens a shard directory; errors name the flag. */
export async function openShards(path: string, flag: string): Promise<ShardedDataset> {
  try {
    return await ShardedDataset.open(path);
  } catch (e) {
    throw new CliError(`${flag} ${(e as Error).message}`);
  }
}

/** Parses `--hash-bits` / `--hash-seed` (undefined when not hashing). */
export function hashingFlags(command: string, bits: string | undefined, seed: number | undefined): HashingConfig | undefined {
  if (bits === undefined) {
    if (seed !== undefined) throw new UsageError(`fm ${command}: --hash-seed seeds --hash-bits; give --hash-bits too (or drop --hash-seed)`, command);
    return undefined;
  }
  try {
    return parseHashBits(bits, seed ?? 0);
  } catch (e) {
    throw new UsageError(`fm ${command}: --hash-bits: ${(e as Error).message}`, command);
  }
}

/** `hashing (seed 0): 1,234 distinct values in 1,200 buckets, 34 collided (2.8 %); worst: c3 12 of 300` */
export function describeHashReport(r: HashReport): string {
  const pct = r.distinctTokens > 0 ? (100 * r.collidedTokens) / r.distinctTokens : 0;
  const worst = [...r.fields]
    .filter((f) => f.collidedTokens > 0)
    .sort((a, b) => b.collidedTokens / Math.max(1, b.distinctTokens) - a.collidedTokens / Math.max(1, a.distinctTokens))
    .slice(0, 3)
    .map((f) => `${f.field} ${fmtNum(f.collidedTokens)} of ${fmtNum(f.distinctTokens)} in 2^${f.bits}`);
  return (
    `hashing (seed ${r.seed}): ${fmtNum(r.distinctTokens)} distinct values${r.exact ? '' : ' (estimated)'} in ${fmtNum(r.occupiedBuckets)} buckets, ` +
    `${fmtNum(r.collidedTokens)} collided (${pct.toFixed(2)} %)${worst.length ? `; most: ${worst.join(', ')}` : ''}`
  );
}

/**
 * A progress callback for streaming jobs (encode, generate) that also stops them on Ctrl-C: it
 * throws once `ctx.signal` is aborted, which makes the job drop its temporary output. On a terminal
 * one line is redrawn (rows, rate, shards, ETA); elsewhere nothing is printed until the end.
 */
export function streamProgress(ctx: CommandContext): { onProgress: (p: StreamProgress) => void; clear: () => void } {
  const tty = ctx.stderr.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    onProgress(p) {
      ctx.signal.throwIfAborted();
      if (!tty) return;
      const now = performance.now();
      if (drawn && now - last < 200) return;
      last = now;
      drawn = true;
      const rate = p.elapsedMs > 0 ? (p.rows / p.elapsedMs) * 1000 : 0;
      const share = p.totalBytes ? ` ${((100 * (p.bytes ?? 0)) / p.totalBytes).toFixed(0)}%` : p.totalRows ? ` ${((100 * p.rows) / p.totalRows).toFixed(0)}%` : '';
      const line = `${p.phase} (pass ${p.pass}/${p.passes})${share} ${fmtNum(p.rows)} rows ${formatRate(rate)} rows/s ${p.shards} shards ETA ${formatDuration(p.etaMs === undefined ? undefined : p.etaMs / 1000)}`;
      ctx.stderr.write(`\r${line}\x1b[K`);
    },
    clear() {
      if (tty && drawn) ctx.stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** Throws, naming the flag, unless the shards were encoded like the model's training data (its fields and encoder). */
export function checkShardsMatch(sd: ShardedDataset, fieldDims: readonly number[], encoder: Encoder | undefined, flag: string): void {
  const dims = sd.schema.fieldDims;
  const own = sd.encoder();
  if (dims.join(',') !== fieldDims.join(',') || (own && encoder && JSON.stringify(own.toJSON()) !== JSON.stringify(encoder.toJSON()))) {
    throw new CliError(
      `${flag} ${sd.dir}: encoded differently from the model's training data (fields [${dims.join(', ')}] vs [${fieldDims.join(', ')}]); encode it with fm encode --shards --encoder MODEL_DIR`,
    );
  }
}

/**
 * Scores every row of a streaming source in stored order, chunk by chunk: memory is one chunk plus
 * the `[rows]` scores and labels (for AUC and friends, which need them all).
 */
export async function streamScores(model: tf.LayersModel | NativeModel, source: DatasetSource, signal?: AbortSignal): Promise<{ scores: Float32Array; labels: Float32Array }> {
  const scores = new Float32Array(source.numRows);
  const labels = new Float32Array(source.numRows);
  let at = 0;
  for await (const c of source.chunks({ shuffle: false })) {
    signal?.throwIfAborted();
    const d = c.order ? c.data.select(c.order) : c.data;
    scores.set(await predictScores(model, d), at);
    labels.set(d.labels, at);
    at += d.numRows;
  }
  if (at !== source.numRows) throw new CliError(`streamed ${at} rows, the manifest says ${source.numRows}`);
  return { scores, labels };
}

/** `2,000,000 rows in 31 shards (39 fields, 1,000,039 features)` */
export function describeShards(sd: ShardedDataset): string {
  return `${fmtNum(sd.numRows)} rows in ${sd.numShards} shard${sd.numShards === 1 ? '' : 's'} (${sd.schema.numFields} fields, ${fmtNum(sd.schema.numFeatures)} features${sd.manifest.hashing ? ', hashed' : ''})`;
}

/**
 * Pointwise metrics (rmse, mae, auc, logloss) of a model over a shard directory, streamed (see
 * {@link streamScores}). The shards must be encoded like the model's training data.
 */
export async function streamPointwise(
  model: tf.LayersModel | NativeModel,
  sd: ShardedDataset,
  o: { names: readonly string[]; task: Task; fieldDims: readonly number[]; encoder?: Encoder; range?: [number, number]; flag: string; signal?: AbortSignal },
): Promise<Record<string, number>> {
  checkShardsMatch(sd, o.fieldDims, o.encoder, o.flag);
  const { scores, labels } = await streamScores(model, sd, o.signal);
  try {
    return pointwiseMetrics(o.names, o.task, scores, labels, o.task === 'regression' ? o.range : undefined);
  } catch (e) {
    throw new CliError(`${o.flag} ${sd.dir}: ${(e as Error).message}`);
  }
}
