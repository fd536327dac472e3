// @fm/data/node: file-system helpers (Node only).
export { writeArrow, readArrow } from './arrow-file.js';
// The one home of safe output writing for the whole repository (see atomic-write.ts).
export {
  writeFileAtomic,
  writeTemp,
  writeFileDurable,
  tempPathFor,
  trackTemp,
  untrackTemp,
  removePendingTempsSync,
  pendingTempCount,
  isProcessAlive,
  ownerPid,
  TEMP_MARKER,
} from './atomic-write.js';
export { commitOutputs, completeJournals, JOURNAL_MARKER, type OutputFile } from './commit-outputs.js';
export { cleanLeftovers, type LeftoverReport } from './clean-leftovers.js';
export { recordOutputs, isRecordedOutput, OUTPUT_REGISTRY } from './output-registry.js';
export {
  readLines,
  headLines,
  sniffFile,
  loadMovieLens,
  loadLibsvm,
  loadLibffm,
  loadCsv,
  loadSideFeatures,
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
