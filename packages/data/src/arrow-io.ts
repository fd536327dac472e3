import {
  Field,
  Float32,
  Float64,
  Int32,
  List,
  Schema,
  Table,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Data,
  type DataType,
} from 'apache-arrow';
import { FieldSchema } from './field-schema.js';
import { SparseDataset, type RowColumn } from './sparse-dataset.js';

/** Schema-metadata key under which the {@link FieldSchema} JSON is stored. */
export const FIELD_SCHEMA_METADATA_KEY = 'fm.fieldSchema';
const FORMAT_KEY = 'fm.format';
const FORMAT = 'fm-sparse-dataset/1';

function listData(values: Int32Array | Float32Array, offsets: Int32Array, rows: number): Data<List> {
  const child: Data =
    values instanceof Int32Array
      ? makeData({ type: new Int32(), length: values.length, data: values })
      : makeData({ type: new Float32(), length: values.length, data: values });
  const type = new List(new Field('item', child.type, false));
  return makeData({ type, length: rows, nullCount: 0, valueOffsets: offsets, child });
}

function columnData(c: RowColumn): Data {
  if (c instanceof Int32Array) return makeData({ type: new Int32(), length: c.length, data: c });
  if (c instanceof Float32Array) return makeData({ type: new Float32(), length: c.length, data: c });
  return makeData({ type: new Float64(), length: c.length, data: c });
}

/**
 * The dataset as an Arrow table, built from its typed arrays without copying:
 * `label: Float32`, `ids: List<Int32>`, `values: List<Float32>`, `fields: List<Int32>` (the three
 * lists share one offsets buffer), then one column per side column. The {@link FieldSchema} is
 * stored as JSON in the schema metadata.
 */
export function datasetToArrowTable(ds: SparseDataset): Table {
  const rows = ds.numRows;
  const data: Record<string, Data<DataType>> = {
    label: makeData({ type: new Float32(), length: rows, data: ds.labels }),
    ids: listData(ds.ids, ds.offsets, rows),
    values: listData(ds.values, ds.offsets, rows),
    fields: listData(ds.fields, ds.offsets, rows),
  };
  for (const [name, c] of Object.entries(ds.columns)) {
    if (name in data) throw new Error(`datasetToArrowTable: side column "${name}" clashes with a core column`);
    data[name] = columnData(c);
  }
  const fields = Object.entries(data).map(([name, d]) => new Field(name, d.type, false));
  const metadata = new Map([
    [FIELD_SCHEMA_METADATA_KEY, JSON.stringify(ds.schema.toJSON())],
    [FORMAT_KEY, FORMAT],
  ]);
  const schema = new Schema(fields, metadata);
  return new Table(schema, Object.fromEntries(Object.entries(data).map(([k, d]) => [k, d])) as never);
}

function single<T extends DataType>(table: Table, name: string): Data<T> {
  const col = table.getChild(name);
  if (!col) throw new Error(`readArrow: the table has no "${name}" column (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
  if (col.data.length !== 1) {
    // Concatenate record batches into one contiguous chunk.
    throw new Error(`readArrow: column "${name}" has ${col.data.length} chunks; expected a single record batch`);
  }
  return col.data[0] as Data<T>;
}

/** Reads a dataset back from an Arrow table produced by {@link datasetToArrowTable}. */
export function datasetFromArrowTable(table: Table): SparseDataset {
  const meta = table.schema.metadata.get(FIELD_SCHEMA_METADATA_KEY);
  if (!meta) throw new Error(`readArrow: missing "${FIELD_SCHEMA_METADATA_KEY}" schema metadata: not an fm sparse dataset`);
  const schema = FieldSchema.fromJSON(JSON.parse(meta));
  const t = table;
  const rows = t.numRows;
  const labelData = single<Float32>(t, 'label');
  const idsData = single<List>(t, 'ids');
  const valuesData = single<List>(t, 'values');
  const fieldsData = single<List>(t, 'fields');
  // IPC buffers may be padded: trim to exactly rows + 1 offsets and nnz values.
  const offsets = (idsData.valueOffsets as Int32Array).subarray(idsData.offset, idsData.offset + rows + 1);
  const base = offsets[0] as number;
  const rebased = base === 0 ? offsets : offsets.map((o) => o - base);
  const nnz = (rebased[rows] as number);
  const childValues = (d: Data<List>) => (d.children[0] as Data).values as Int32Array | Float32Array;
  const ids = (childValues(idsData) as Int32Array).subarray(base, base + nnz);
  const values = (childValues(valuesData) as Float32Array).subarray(base, base + nnz);
  const fields = (childValues(fieldsData) as Int32Array).subarray(base, base + nnz);
  const labels = (labelData.values as Float32Array).subarray(labelData.offset, labelData.offset + rows);
  const columns: Record<string, RowColumn> = {};
  for (const f of t.schema.fields) {
    if (['label', 'ids', 'values', 'fields'].includes(f.name)) continue;
    const d = single<DataType>(t, f.name);
    const v = d.values as RowColumn;
    columns[f.name] = v.subarray(d.offset, d.offset + rows) as RowColumn;
  }
  return new SparseDataset({ schema, labels, offsets: rebased as Int32Array, ids, values, fields, columns });
}

/** Serialises a dataset to Arrow IPC file bytes. */
export function datasetToIPC(ds: SparseDataset): Uint8Array {
  return tableToIPC(datasetToArrowTable(ds), 'file');
}

/** Parses Arrow IPC (file or stream format) bytes into a dataset; arrays are views over `bytes`. */
export function datasetFromIPC(bytes: Uint8Array): SparseDataset {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new Error(`readArrow: not a valid Arrow IPC file (${(e as Error).message})`);
  }
  return datasetFromArrowTable(table);
}
