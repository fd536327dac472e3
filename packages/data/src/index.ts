// @fm/data: platform-neutral API (works in Node and the browser). File-system helpers live in '@fm/data/node'.
export { Rng } from './rng.js';
export { FieldSchema, type FieldKind, type FieldSpec } from './field-schema.js';
export { SparseDataset, type SparseDatasetInit, type DenseBatch, type RowColumn } from './sparse-dataset.js';
export {
  datasetToArrowTable,
  datasetFromArrowTable,
  datasetToIPC,
  datasetFromIPC,
  FIELD_SCHEMA_METADATA_KEY,
} from './arrow-io.js';
// Frames, vocabularies, encoders and platform-neutral loaders (issue 2).
export { type Interactions, type ItemInfo, type UserInfo, selectInteractions } from './interactions.js';
export { type Frame, type Column, type MultiHotColumn, isMultiHot, columnLength, validateFrame } from './frame.js';
export { Vocabulary, type VocabKey, compareKeys } from './vocabulary.js';
export { Encoder, type FieldConfig, type EncoderJSON, type EncoderFieldJSON } from './encoder.js';
export {
  encodeInteractions,
  ageGroup,
  parseInteractionFeatures,
  INTERACTION_FEATURES,
  type EncodeInteractionsOptions,
  type InteractionFeature,
} from './encode-interactions.js';
export {
  parseSideFeatures,
  joinSideFeatures,
  sideFeatureFields,
  sideFeaturesToJSON,
  sideFeaturesFromJSON,
  type SideFeatures,
  type SideFeaturesJSON,
  type MissingSideFeatures,
} from './side-features.js';
export { type LineSource, splitLines } from './line-source.js';
export { ParseError, type LoadOptions, type SkipReport, MAX_REPORTED_ERRORS } from './parse-error.js';
export {
  parseMovieLensRatings,
  parseMovieLensItems,
  parseMovieLensUsers,
  ML100K_GENRES,
  ML1M_OCCUPATIONS,
  type MovieLensRatingsFormat,
  type MovieLensItemsFormat,
  type MovieLensUsersFormat,
} from './loaders/movielens.js';
export { parseLibsvm, type LibsvmOptions } from './loaders/libsvm.js';
export { parseLibffm, libffmFieldName, type LibffmOptions } from './loaders/libffm.js';
export {
  parseCsv,
  parseCsvSpec,
  parseSideFeatureSpec,
  csvFieldConfigs,
  type CsvColumnSpec,
  type CsvColumn,
  type CsvColumnKind,
  type SideFeatureSpec,
} from './loaders/csv.js';
// Splits, negative sampling, synthetic generators and the FM paper's toy table (issue 2).
export { randomSplit, kFold, leaveLastOut, temporalSplit, splitFromMask, type Split } from './splits.js';
export { NegativeSampler, type NegativeSamplerOptions } from './negative-sampler.js';
export { AliasTable } from './alias-table.js';
export { IntIndex } from './int-index.js';
export {
  generateRatings,
  expectedRoundedRating,
  normalCdf,
  logNormalCdf,
  generateImplicit,
  generateCtr,
  fmPaperToyTable,
  SYNTHETIC_GENRES,
  type GenerateRatingsOptions,
  type PlantedRatingModel,
  type SyntheticRatings,
  type GenerateImplicitOptions,
  type PlantedImplicitModel,
  type SyntheticImplicit,
  type GenerateCtrOptions,
  type PlantedCtrModel,
  type SyntheticCtr,
  type FmPaperToyTable,
} from './generators/index.js';
