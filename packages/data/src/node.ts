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
  type LoadMovieLensOptions,
  type MovieLensData,
} from './loaders/node-files.js';
