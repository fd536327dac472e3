import { NUMERIC_SCALINGS, type FieldConfig, type NumericScaling } from './encoder.js';
import { isMultiHot, type Column, type Frame, type MultiHotColumn } from './frame.js';
import type { LineSource } from './line-source.js';
import { csvFieldConfigs, parseSideFeatureSpec, readCsv, type CsvColumn, type SideFeatureSpec } from './loaders/csv.js';
import type { LoadOptions } from './parse-error.js';

/**
 * Attributes of users or items, one row per id, read from a CSV file by {@link parseSideFeatures}
 * and joined onto interaction rows by {@link joinSideFeatures}: the side features of Rendle,
 * "Factorization Machines with libFM" (ACM TIST 2012, §2: e.g. a user's age, an item's genres).
 */
export interface SideFeatures {
  /** The id column's name in the file. */
  key: string;
  /** `[rows]` the ids as written (trimmed). */
  ids: string[];
  /** The attribute columns, each `rows` long (cat: string keys, num: Float64Array, multi: bags). */
  frame: Frame;
  /** How each attribute column is typed, in file order (skipped columns left out). */
  columns: CsvColumn[];
  /** How `num` columns are scaled when an encoder is fitted on them (the spec's `scale=`; default min-max). */
  scale?: NumericScaling;
}

/** What {@link joinSideFeatures} does with a row whose id the side file lacks. */
export type MissingSideFeatures = 'error' | 'empty';

/** The JSON form of {@link SideFeatures}, to save next to a model so eval/recommend join the same features. */
export interface SideFeaturesJSON {
  format: 'fm-side-features/1';
  key: string;
  ids: string[];
  columns: CsvColumn[];
  scale?: NumericScaling;
  /** Per column: keys (cat), numbers (num) or `{ offsets, tokens }` (multi). */
  values: Record<string, (string | number)[] | number[] | { offsets: number[]; tokens: (string | number)[] }>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The forms an id is looked up under: as written, and numeric ids also in canonical number form ("007" → "7"). */
function idForms(id: string | number): string[] {
  const s = String(id).trim();
  if (!NUMBER.test(s)) return [s];
  const canonical = String(Number(s));
  return canonical === s ? [s] : [s, canonical];
}

/**
 * Parses a side-feature CSV file: the id column named by `key=` and typed attribute columns, in the
 * `--columns` grammar (see {@link SideFeatureSpec}), e.g. `"key=user,age:num,occupation:cat,zip:skip"`.
 * Errors name file:line; an empty id and an id listed twice are errors.
 */
export async function parseSideFeatures(
  lines: LineSource,
  specIn: SideFeatureSpec | string,
  opts?: LoadOptions,
): Promise<{ features: SideFeatures; skipped: number; errors: string[] }> {
  const where = 'parseSideFeatures';
  const spec = typeof specIn === 'string' ? parseSideFeatureSpec(specIn) : specIn;
  const { key, ...rest } = spec;
  const { frame, keys, skipped, errors } = await readCsv(lines, { label: key, ...rest }, opts, 'key');
  const features: SideFeatures = { key, ids: keys, frame, columns: spec.columns.filter((c) => c.kind !== 'skip'), ...(spec.scale ? { scale: spec.scale } : {}) };
  sideIndex(features, `${where}: ${opts?.file ?? '<input>'}`);
  return { features, skipped, errors };
}

const indexes = new WeakMap<SideFeatures, Map<string, number>>();

/** Row of every id (built once per table); throws on a repeated id. */
function sideIndex(side: SideFeatures, where: string): Map<string, number> {
  let index = indexes.get(side);
  if (index) return index;
  index = new Map();
  side.ids.forEach((id, row) => {
    for (const form of idForms(id)) {
      const prev = (index as Map<string, number>).get(form);
      if (prev !== undefined && prev !== row) {
        throw new Error(`${where}: id "${id}" of data row ${row + 1} repeats the id "${side.ids[prev]}" of data row ${prev + 1}`);
      }
      (index as Map<string, number>).set(form, row);
    }
  });
  indexes.set(side, index);
  return index;
}

/**
 * The row of `side` holding raw id `id` (numeric ids match across forms, `7` = `"007"`, as in
 * {@link joinSideFeatures}), or undefined when the table does not list it: to count the rows a
 * `missing: 'empty'` join leaves without attributes.
 */
export function sideFeatureRow(side: SideFeatures, id: string | number): number | undefined {
  const index = sideIndex(side, 'sideFeatureRow');
  for (const form of idForms(id)) {
    const row = index.get(form);
    if (row !== undefined) return row;
  }
  return undefined;
}

/** Encoder fields for a side table's columns: cat → categorical, num → numeric (scaled as `side.scale`), multi → multi-hot. */
export function sideFeatureFields(side: SideFeatures): FieldConfig[] {
  return csvFieldConfigs(side);
}

/**
 * Adds a side table's columns to `frame` by looking up each row's id in column `on` (raw ids: numbers
 * or strings; numeric ids match across forms like `7`/`"007"`). A row whose id the table lacks is an
 * error naming the id and row, unless `missing` is `'empty'`: then it gets key `""`, an empty bag, and NaN for
 * numbers (a missing value: the encoder stores the feature as 0, absent, and leaves it out of a fitted scaling).
 * Column names must not clash with the frame's.
 * @returns a new frame sharing the input's columns.
 */
export function joinSideFeatures(frame: Frame, on: string, side: SideFeatures, options: { missing?: MissingSideFeatures } = {}): Frame {
  const where = 'joinSideFeatures';
  const keyCol = frame.columns[on];
  if (keyCol === undefined) throw new Error(`${where}: the frame has no column "${on}" to join on (columns: ${Object.keys(frame.columns).join(', ')})`);
  if (isMultiHot(keyCol)) throw new Error(`${where}: column "${on}" is multi-hot; join on a column of single ids`);
  const missing = options.missing ?? 'error';
  const index = sideIndex(side, where);
  const n = frame.length;
  const rowOf = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const id = keyCol[r] as string | number;
    let row: number | undefined;
    for (const form of idForms(id)) {
      row = index.get(form);
      if (row !== undefined) break;
    }
    if (row === undefined) {
      if (missing === 'error') {
        throw new Error(`${where}: row ${r} has ${on} "${String(id)}", which the side features (key "${side.key}") do not list; add it or join with missing: 'empty'`);
      }
      row = -1;
    }
    rowOf[r] = row;
  }
  const columns: Record<string, Column> = { ...frame.columns };
  for (const c of side.columns) {
    if (c.name in columns) throw new Error(`${where}: side column "${c.name}" clashes with the frame's column of that name`);
    const src = side.frame.columns[c.name] as Column;
    if (c.kind === 'num') {
      const s = src as Float64Array;
      columns[c.name] = Float64Array.from(rowOf, (row) => (row < 0 ? NaN : (s[row] as number)));
    } else if (c.kind === 'cat') {
      const s = src as (string | number)[];
      columns[c.name] = Array.from(rowOf, (row) => (row < 0 ? '' : (s[row] as string | number)));
    } else {
      columns[c.name] = gatherBags(src as MultiHotColumn, rowOf);
    }
  }
  return { length: n, columns };
}

/** Row `r` of the result is bag `rowOf[r]` of `src` (empty for −1). */
function gatherBags(src: MultiHotColumn, rowOf: Int32Array): MultiHotColumn {
  const offsets = new Int32Array(rowOf.length + 1);
  for (let r = 0; r < rowOf.length; r++) {
    const row = rowOf[r] as number;
    const len = row < 0 ? 0 : (src.offsets[row + 1] as number) - (src.offsets[row] as number);
    offsets[r + 1] = (offsets[r] as number) + len;
  }
  const tokens = new Array<string | number>(offsets[rowOf.length] as number);
  const weights = src.weights ? new Float32Array(tokens.length) : undefined;
  for (let r = 0; r < rowOf.length; r++) {
    const row = rowOf[r] as number;
    if (row < 0) continue;
    let o = offsets[r] as number;
    for (let j = src.offsets[row] as number; j < (src.offsets[row + 1] as number); j++, o++) {
      tokens[o] = src.tokens[j] as string | number;
      if (weights) weights[o] = src.weights?.[j] as number;
    }
  }
  return weights ? { kind: 'multi-hot', offsets, tokens, weights } : { kind: 'multi-hot', offsets, tokens };
}

/** The JSON form of a side table. */
export function sideFeaturesToJSON(side: SideFeatures): SideFeaturesJSON {
  const values: SideFeaturesJSON['values'] = {};
  for (const c of side.columns) {
    const col = side.frame.columns[c.name] as Column;
    if (isMultiHot(col)) values[c.name] = { offsets: Array.from(col.offsets), tokens: [...col.tokens] };
    else values[c.name] = Array.from(col as ArrayLike<string | number>);
  }
  return { format: 'fm-side-features/1', key: side.key, ids: [...side.ids], columns: side.columns.map((c) => ({ ...c })), ...(side.scale ? { scale: side.scale } : {}), values };
}

/** Reads {@link sideFeaturesToJSON}'s output back; throws naming what is wrong. */
export function sideFeaturesFromJSON(json: unknown): SideFeatures {
  const where = 'sideFeaturesFromJSON';
  const j = json as Partial<SideFeaturesJSON>;
  if (j?.format !== 'fm-side-features/1') throw new Error(`${where}: expected format "fm-side-features/1", got ${String(j?.format)}`);
  if (typeof j.key !== 'string' || !Array.isArray(j.ids) || !Array.isArray(j.columns) || typeof j.values !== 'object') {
    throw new Error(`${where}: expected key, ids, columns and values`);
  }
  if (j.scale !== undefined && !NUMERIC_SCALINGS.includes(j.scale)) throw new Error(`${where}: scale must be one of ${NUMERIC_SCALINGS.join(', ')}, got ${JSON.stringify(j.scale)}`);
  const n = j.ids.length;
  const columns: Record<string, Column> = {};
  for (const c of j.columns) {
    const v = j.values[c.name];
    if (v === undefined) throw new Error(`${where}: column "${c.name}" has no values`);
    if (c.kind === 'multi') {
      const bag = v as { offsets: number[]; tokens: (string | number)[] };
      columns[c.name] = { kind: 'multi-hot', offsets: Int32Array.from(bag.offsets), tokens: bag.tokens };
    } else {
      const arr = v as (string | number)[];
      columns[c.name] = c.kind === 'num' ? Float64Array.from(arr as number[]) : arr;
    }
  }
  const features: SideFeatures = { key: j.key, ids: j.ids.map(String), frame: { length: n, columns }, columns: j.columns, ...(j.scale ? { scale: j.scale } : {}) };
  sideIndex(features, where);
  return features;
}
