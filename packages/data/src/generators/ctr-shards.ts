// Node only: a synthetic click log written straight to a sharded dataset.
import type { ShardManifest } from '../shard-manifest.js';
import { DEFAULT_SHARD_BYTES, ShardWriter, type ShardWriterOptions } from '../shards.js';
import { ProgressClock, type StreamProgress } from '../progress.js';
import { ctrStream, type CtrStreamOptions } from './ctr-stream.js';
import type { PlantedCtrModel } from './ctr.js';

/** Options of {@link writeCtrShards}. */
export interface WriteCtrShardsOptions extends CtrStreamOptions, ShardWriterOptions {
  /** Rows generated per step (default: the rows of one shard, so each shard is written without a copy). */
  chunkRows?: number;
  onProgress?: (p: StreamProgress) => void;
}

/**
 * Generates `ctrStream(options)` into a sharded dataset at `dir` with bounded memory (the planted
 * model, one chunk and one shard buffer): 20M rows × 39 fields in a few hundred MB. The manifest
 * records the generator options and the best achievable log loss.
 */
export async function writeCtrShards(
  dir: string,
  options: WriteCtrShardsOptions = {},
): Promise<{ manifest: ShardManifest; bestLogLoss: number; baseRate: number; planted: PlantedCtrModel }> {
  const { onProgress, chunkRows, shardBytes, shardRows, ...gen } = options;
  const stream = ctrStream(gen);
  const clock = new ProgressClock(onProgress, 1);
  // A row takes 8 bytes (label, offset) + 12 per field (id, value, field): fill one shard per chunk.
  const perShard = Math.max(1, Math.min(shardRows ?? Infinity, Math.floor((shardBytes ?? DEFAULT_SHARD_BYTES) / (8 + 12 * stream.schema.numFields))));
  const writer = await ShardWriter.create(dir, { ...(shardBytes !== undefined ? { shardBytes } : {}), ...(shardRows !== undefined ? { shardRows } : {}) });
  try {
    for (const c of stream.chunks(chunkRows ?? perShard)) {
      await writer.append(c.dataset);
      clock.report({ phase: 'generate', pass: 1, rows: writer.rows, totalRows: stream.rows, shards: writer.shardCount });
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const { bestLogLoss, baseRate } = stream.stats();
  const manifest = await writer.finish({ schema: stream.schema, source: { generator: 'ctr', options: gen, bestLogLoss, baseRate } });
  return { manifest, bestLogLoss, baseRate, planted: stream.planted };
}
