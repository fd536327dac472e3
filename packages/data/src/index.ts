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
