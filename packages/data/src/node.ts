// @fm/data/node: file-system helpers (Node only).
export { writeArrow, readArrow } from './arrow-file.js';
export { writeFileAtomic } from './atomic-write.js';
export {
  readLines,
  loadMovieLens,
  loadLibsvm,
  loadLibffm,
  loadCsv,
  loadSideFeatures,
  type LoadMovieLensOptions,
  type MovieLensData,
} from './loaders/node-files.js';
