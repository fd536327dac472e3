// @fm/data: platform-neutral API (works in Node and the browser). File-system helpers live in '@fm/data/node'.
export { Rng } from './rng.js';
export { FieldSchema, schemaGrowthMap, type FieldKind, type FieldSpec } from './field-schema.js';
export { SparseDataset, type SparseDatasetInit, type DenseBatch, type RowColumn, type RowTargets } from './sparse-dataset.js';
export {
  datasetToArrowTable,
  datasetFromArrowTable,
  datasetToIPC,
  datasetFromIPC,
  FIELD_SCHEMA_METADATA_KEY,
} from './arrow-io.js';
// Frames, vocabularies, encoders and platform-neutral loaders (issue 2).
export { type Interactions, type ItemInfo, type UserInfo, selectInteractions } from './interactions.js';
export { type Frame, type Column, type MultiHotColumn, isMultiHot, columnLength, validateFrame, concatFrames } from './frame.js';
export { Vocabulary, type VocabKey, compareKeys } from './vocabulary.js';
export { Encoder, withHashing, type FieldConfig, type EncoderJSON, type EncoderFieldJSON, type MultiHotNormalize, type NumericScaling, type NumericScale, NUMERIC_SCALINGS } from './encoder.js';
export { EncoderFitter } from './encoder-fitter.js';
// Streaming sources, shuffling and feature hashing (issue 13).
export {
  type DatasetSource,
  type SourceChunk,
  type ChunkOptions,
  InMemorySource,
  inMemorySource,
  isDatasetSource,
  toDatasetSource,
  collectSource,
  epochSeed,
  epochPermutation,
} from './dataset-source.js';
export { concatDatasets } from './concat-datasets.js';
export { type StreamProgress } from './progress.js';
export { ShuffleBuffer, type ShuffleBufferOptions } from './shuffle-buffer.js';
export {
  parseShardManifest,
  SHARDS_FORMAT,
  SHARDS_VERSION,
  SHARDS_MANIFEST,
  type ShardManifest,
  type ShardInfo,
  type ShardHashing,
} from './shard-manifest.js';
export {
  murmur3,
  murmur3Int,
  hashToken,
  fieldHashSeed,
  parseHashBits,
  HashCollisionCounter,
  MAX_HASH_BITS,
  type HashingConfig,
  type HashReport,
  type HashFieldReport,
} from './hashing.js';
export {
  encodeInteractions,
  ageGroup,
  parseInteractionFeatures,
  INTERACTION_FEATURES,
  INTERACTION_FEATURE_SIDE,
  type EncodeInteractionsOptions,
  type InteractionFeature,
} from './encode-interactions.js';
export {
  parseSideFeatures,
  joinSideFeatures,
  sideFeatureRow,
  sideFeatureFields,
  sideFeaturesToJSON,
  sideFeaturesFromJSON,
  type SideFeatures,
  type SideFeaturesJSON,
  type MissingSideFeatures,
} from './side-features.js';
export { type LineSource, splitLines } from './line-source.js';
export { ParseError, type LoadOptions, type SkipReport, MAX_REPORTED_ERRORS, FLOAT32_MAX } from './parse-error.js';
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
export { parseLibsvm, type LibsvmOptions, type LibsvmResult } from './loaders/libsvm.js';
export { sniffTextFormat, type SniffedFormat } from './loaders/sniff.js';
export { parseLibffm, libffmFieldName, type LibffmOptions } from './loaders/libffm.js';
export {
  parseCsv,
  parseCsvSpec,
  parseSideFeatureSpec,
  csvFieldConfigs,
  CSV_NUMERIC_SCALING,
  type CsvColumnSpec,
  type CsvColumn,
  type CsvColumnKind,
  type SideFeatureSpec,
} from './loaders/csv.js';
// Splits, negative sampling, synthetic generators and the FM paper's toy table (issue 2).
export { randomSplit, kFold, leaveLastOut, temporalSplit, splitFromMask, type Split } from './splits.js';
export { NegativeSampler, type NegativeSamplerOptions } from './negative-sampler.js';
export { groupByKey } from './group-by-key.js';
export { logit } from './logit.js';
export { resolveUserItemFields, USER_FIELD_NAMES, ITEM_FIELD_NAMES, type UserItemFields } from './user-item-fields.js';
export { AliasTable } from './alias-table.js';
export { IntIndex } from './int-index.js';
export {
  generateRatings,
  expectedRoundedRating,
  normalCdf,
  logNormalCdf,
  generateImplicit,
  generateCtr,
  ctrStream,
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
  type CtrStream,
  type CtrStreamOptions,
  type CtrChunk,
  type FmPaperToyTable,
} from './generators/index.js';
