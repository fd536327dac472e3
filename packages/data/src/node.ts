// @fm/data/node: file-system helpers (Node only).
export { writeArrow, readArrow } from './arrow-file.js';
export { writeFileAtomic } from './atomic-write.js';
export {
  readLines,
  loadMovieLens,
  loadLibsvm,
  loadLibffm,
  loadCsv,
  type LoadMovieLensOptions,
  type MovieLensData,
  type FileLineSource,
} from './loaders/node-files.js';
export { beginDirAtomic, writeDirAtomic, type PendingDir } from './atomic-write.js';
export {
  ShardWriter,
  ShardedDataset,
  writeShards,
  DEFAULT_SHARD_BYTES,
  DEFAULT_CHUNK_ROWS,
  type ShardWriterOptions,
  type ShardFinishOptions,
} from './shards.js';
export { writeCtrShards, type WriteCtrShardsOptions } from './generators/ctr-shards.js';
export { encodeToShards, type EncodeInput, type EncodeToShardsOptions, type EncodeToShardsResult } from './encode-shards.js';
export { readParquetFrames, loadParquet, parquetFiles, type ParquetFrame } from './loaders/parquet.js';
