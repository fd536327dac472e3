import { FieldSchema, type FieldKind, type FieldSpec } from './field-schema.js';
import { isMultiHot, validateFrame, type Column, type Frame, type MultiHotColumn } from './frame.js';
import { checkHashBits, fieldHashSeed, hashBitsOf, hashToken, type HashCollisionCounter, type HashingConfig } from './hashing.js';
import { EncoderFitter } from './encoder-fitter.js';
import { SparseDataset, type RowColumn } from './sparse-dataset.js';
import { Vocabulary, type VocabKey } from './vocabulary.js';

/** How one field of the encoded feature vector is built from a frame column. */
export interface FieldConfig {
  /** Field name in the resulting {@link FieldSchema}. */
  name: string;
  kind: FieldKind;
  /** Frame column to read; defaults to `name`. */
  column?: string;
  /** Categorical/multi-hot: keys seen fewer times than this while fitting go to the OOV bucket (default 1). */
  minCount?: number;
  /** Categorical/multi-hot: keep at most this many keys, the most frequent (OOV bucket not counted). */
  maxSize?: number;
  /**
   * Multi-hot: scale each row's weights — `true` (default): to sum to 1, as Rendle (2010) fig. 1; `'l2'`: to unit
   * Euclidean length, so n unit weights become 1/√n each (SVD++'s |N(u)|^-½, Koren 2008); `false`: as given.
   */
  normalize?: MultiHotNormalize;
  /**
   * Categorical/multi-hot: hash raw keys into `2^hashBits` buckets instead of fitting a
   * vocabulary (see `hashing.ts`); the field then has no OOV bucket and no `minCount`/`maxSize`.
   */
  hashBits?: number;
  /** Seed of the hash of a hashed field (default 0). */
  hashSeed?: number;
  /**
   * Numeric: how raw values become feature values — `'none'` (default): as given; `'minmax'`: (x − min) / (max − min)
   * over the rows fitted on, so they lie in [0, 1] there; `'standard'`: (x − mean) / standard deviation; `'log'`:
   * sign(x)·ln(1 + |x|), then min-max (for heavy-tailed counts such as impressions or prices). FM-family
   * pair terms grow with xᵢ·xⱼ, so an unscaled column such as an age or a price makes SGD diverge. Fitting records
   * the result in {@link scaleBy}; later rows (a test file, a warm start) are scaled the same way, not clipped.
   * NaN in a numeric column marks a missing value (e.g. a side-feature row the table lacks): the feature gets value 0,
   * absent from the FM terms, whatever the scaling, and is left out of the fitted scaling.
   */
  scale?: NumericScaling;
  /** Numeric: the fitted scaling, value → (value − center) / spread; set by fitting when `scale` is not `'none'`. */
  scaleBy?: NumericScale;
}

/** How a numeric field's raw values are scaled (see {@link FieldConfig.scale}). */
export type NumericScaling = 'none' | 'minmax' | 'standard' | 'log';
/** A fitted numeric scaling: feature value = (raw − center) / spread, spread > 0. */
export interface NumericScale {
  center: number;
  spread: number;
}
/** The values of {@link NumericScaling}. */
export const NUMERIC_SCALINGS: readonly NumericScaling[] = ['none', 'minmax', 'standard', 'log'];

/** What a scaling does to a raw value before centring: sign(x)·ln(1 + |x|) for `'log'`, else nothing. @internal */
export function preScale(scale: NumericScaling | undefined, x: number): number {
  return scale === 'log' ? Math.sign(x) * Math.log1p(Math.abs(x)) : x;
}

/** How a multi-hot row's weights are scaled (see {@link FieldConfig.normalize}). */
export type MultiHotNormalize = boolean | 'l2';

/** One field of an {@link EncoderJSON}. */
export interface EncoderFieldJSON {
  name: string;
  kind: FieldKind;
  column: string;
  minCount?: number;
  maxSize?: number;
  normalize?: MultiHotNormalize;
  /** Hashed fields: bits and seed (no `keys`). */
  hashBits?: number;
  hashSeed?: number;
  /** Categorical/multi-hot with a vocabulary: keys in id order (key `i` has local id `i + 1`). */
  keys?: VocabKey[];
  /** Numeric fields with a scaling: how, and the fitted center and spread. */
  scale?: NumericScaling;
  scaleBy?: NumericScale;
}

/** The serialised form of an {@link Encoder}, saved next to a model to score raw ids later. */
export interface EncoderJSON {
  format: typeof ENCODER_FORMAT;
  fields: EncoderFieldJSON[];
}

const ENCODER_FORMAT = 'fm-encoder/1';
const KINDS: readonly FieldKind[] = ['categorical', 'numeric', 'multi-hot'];

interface ResolvedField {
  name: string;
  kind: FieldKind;
  column: string;
  minCount?: number;
  maxSize?: number;
  normalize: MultiHotNormalize;
  hashBits?: number;
  hashSeed?: number;
  scale?: NumericScaling;
  scaleBy?: NumericScale;
}

/** Applies hashing settings to field configs: categorical/multi-hot fields it names get `hashBits`/`hashSeed`. */
export function withHashing(fields: readonly FieldConfig[], hashing: HashingConfig): FieldConfig[] {
  if (typeof hashing.bits === 'object') {
    const names = new Set(fields.map((f) => f.name));
    for (const k of Object.keys(hashing.bits)) {
      if (!names.has(k)) throw new Error(`withHashing: hash bits given for field "${k}", which is not a field (fields: ${[...names].join(', ')})`);
    }
  }
  return fields.map((f) => {
    if (f.kind === 'numeric') {
      if (typeof hashing.bits === 'object' && hashing.bits[f.name] !== undefined) {
        throw new Error(`withHashing: field "${f.name}" is numeric and cannot be hashed`);
      }
      return f;
    }
    const bits = hashBitsOf(hashing, f.name);
    return bits === undefined ? f : { ...f, hashBits: bits, hashSeed: hashing.seed ?? 0 };
  });
}

function describe(c: Column): string {
  if (isMultiHot(c)) return 'a multi-hot column';
  if (Array.isArray(c)) return 'an array of keys';
  return `a ${c.constructor.name}`;
}

/** The frame column a field reads, checked against the field's kind. @internal */
export function columnOf(frame: Frame, f: Pick<ResolvedField, 'name' | 'kind' | 'column'>, where: string): Column {
  const c = frame.columns[f.column];
  if (c === undefined) {
    throw new Error(
      `${where}: field "${f.name}" reads column "${f.column}", which the frame lacks (columns: ${Object.keys(frame.columns).join(', ')})`,
    );
  }
  if (f.kind === 'multi-hot' && !isMultiHot(c)) {
    throw new Error(`${where}: field "${f.name}" is multi-hot, so column "${f.column}" must be a multi-hot column, got ${describe(c)}`);
  }
  if (f.kind !== 'multi-hot' && isMultiHot(c)) {
    throw new Error(`${where}: field "${f.name}" is ${f.kind}, but column "${f.column}" is a multi-hot column`);
  }
  return c;
}

function checkKey(v: unknown, where: string, field: string, row: number): VocabKey {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new Error(`${where}: field "${field}" row ${row}: expected a string or finite number key, got ${String(v)}`);
}

/** Adds the keys of `values` to `counts` (a fast dense path for small non-negative integer keys). @internal */
export function addKeyCounts(counts: Map<VocabKey, number>, values: ArrayLike<unknown>, where: string, field: string): void {
  if (ArrayBuffer.isView(values)) {
    const t = values as unknown as Int32Array | Float32Array | Float64Array;
    let min = Infinity;
    let max = -Infinity;
    let ints = true;
    for (let i = 0; i < t.length; i++) {
      const k = t[i] as number;
      if (!Number.isFinite(k)) throw new Error(`${where}: field "${field}" row ${i}: expected a finite number key, got ${k}`);
      if (k < min) min = k;
      if (k > max) max = k;
      if (ints && !Number.isInteger(k)) ints = false;
    }
    if (ints && min >= 0 && max < 4 * t.length + 65536) {
      const dense = new Int32Array(max + 1);
      for (let i = 0; i < t.length; i++) dense[t[i] as number] = (dense[t[i] as number] as number) + 1;
      for (let k = 0; k <= max; k++) if ((dense[k] as number) > 0) counts.set(k, (counts.get(k) ?? 0) + (dense[k] as number));
    } else {
      for (let i = 0; i < t.length; i++) counts.set(t[i] as number, (counts.get(t[i] as number) ?? 0) + 1);
    }
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const k = values[i];
    if (typeof k !== 'string' && !(typeof k === 'number' && Number.isFinite(k))) checkKey(k, where, field, i);
    counts.set(k as VocabKey, (counts.get(k as VocabKey) ?? 0) + 1);
  }
}

/** Row of token `j` of a multi-hot column (binary search over offsets), for error messages. */
function tokenRow(c: MultiHotColumn, j: number): number {
  let lo = 0;
  let hi = c.offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((c.offsets[mid] as number) <= j) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Turns a raw {@link Frame} into a {@link SparseDataset}: one-hot categorical fields (with an
 * out-of-vocabulary bucket), numeric fields (one feature carrying the raw value) and multi-hot
 * fields (a bag of ids, weights normalised per row), laid out as in Rendle, "Factorization
 * Machines" (ICDM 2010), fig. 1. It owns the vocabularies and the {@link FieldSchema}; save it
 * with {@link toJSON} next to a model so raw ids can be scored later.
 */
export class Encoder {
  /** The fields and their offsets. Categorical/multi-hot: local id 0 is the OOV bucket (hashed fields have none). */
  readonly schema: FieldSchema;
  private readonly fieldList: readonly ResolvedField[];
  private readonly vocabs: readonly (Vocabulary | undefined)[];
  /** Per field: the seed its tokens hash with (hashed fields only). */
  private readonly fieldSeeds: readonly (number | undefined)[];

  private constructor(fields: ResolvedField[], vocabs: (Vocabulary | undefined)[]) {
    this.fieldList = fields;
    this.vocabs = vocabs;
    this.fieldSeeds = fields.map((f) => (f.hashBits === undefined ? undefined : fieldHashSeed(f.name, f.hashSeed ?? 0)));
    const specs: FieldSpec[] = fields.map((f, i) => ({
      name: f.name,
      kind: f.kind,
      cardinality: f.kind === 'numeric' ? 1 : f.hashBits !== undefined ? 2 ** f.hashBits : (vocabs[i] as Vocabulary).size,
    }));
    this.schema = new FieldSchema(specs);
  }

  /** The field configurations, with defaults filled in. */
  get fields(): readonly Readonly<FieldConfig>[] {
    return this.fieldList;
  }

  /**
   * Fits vocabularies on `frame`: for categorical/multi-hot fields the keys seen at least
   * `minCount` times (at most `maxSize` of them), ids from 1 in sorted key order (numbers
   * ascending, strings lexicographic), 0 being the OOV bucket. Hashed fields need no fitting.
   * To fit on data that does not fit in memory, feed frames to an {@link EncoderFitter}.
   */
  static fit(frame: Frame, fields: FieldConfig[]): Encoder {
    return new EncoderFitter(fields, { where: 'Encoder.fit' }).add(frame).finish();
  }

  /**
   * Builds an encoder from field configs and, per field, its vocabulary (undefined for numeric and
   * hashed fields). @internal used by {@link EncoderFitter}.
   */
  static fromParts(fields: readonly FieldConfig[], vocabs: readonly (Vocabulary | undefined)[], where: string): Encoder {
    if (fields.length === 0) throw new Error(`${where}: at least one field is required`);
    const resolved = fields.map((f, i) => Encoder.resolve(f, i, where));
    const names = new Set<string>();
    resolved.forEach((r, i) => {
      if (names.has(r.name)) throw new Error(`${where}: duplicate field name "${r.name}"`);
      names.add(r.name);
      const needs = r.kind !== 'numeric' && r.hashBits === undefined;
      if (needs !== (vocabs[i] !== undefined)) throw new Error(`${where}: field "${r.name}" ${needs ? 'needs' : 'takes no'} vocabulary`);
    });
    return new Encoder(resolved, [...vocabs]);
  }

  private static resolve(f: FieldConfig, i: number, where: string): ResolvedField {
    if (typeof f?.name !== 'string' || f.name.length === 0) throw new Error(`${where}: field ${i} needs a non-empty name`);
    if (!KINDS.includes(f.kind)) {
      throw new Error(`${where}: field "${f.name}" has kind "${String(f.kind)}", expected categorical | numeric | multi-hot`);
    }
    for (const k of ['minCount', 'maxSize'] as const) {
      const v = f[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
        throw new Error(`${where}: field "${f.name}" ${k} must be an integer ≥ 0, got ${String(v)}`);
      }
    }
    if (f.normalize !== undefined && typeof f.normalize !== 'boolean' && f.normalize !== 'l2') {
      throw new Error(`${where}: field "${f.name}" normalize must be true, false or "l2", got ${JSON.stringify(f.normalize)}`);
    }
    const r: ResolvedField = { name: f.name, kind: f.kind, column: f.column ?? f.name, normalize: f.normalize ?? true };
    if (f.minCount !== undefined) r.minCount = f.minCount;
    if (f.maxSize !== undefined) r.maxSize = f.maxSize;
    if (f.hashBits !== undefined) {
      if (f.kind === 'numeric') throw new Error(`${where}: field "${f.name}" is numeric and cannot be hashed`);
      if (f.minCount !== undefined || f.maxSize !== undefined) {
        throw new Error(`${where}: field "${f.name}" is hashed; minCount and maxSize apply to vocabularies only`);
      }
      r.hashBits = checkHashBits(f.hashBits, `${where}: field "${f.name}"`);
      const seed = f.hashSeed ?? 0;
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new Error(`${where}: field "${f.name}" hashSeed must be an integer in [0, 2^32), got ${String(seed)}`);
      }
      r.hashSeed = seed;
    } else if (f.hashSeed !== undefined) {
      throw new Error(`${where}: field "${f.name}" has a hashSeed but no hashBits`);
    }
    if (f.scale !== undefined || f.scaleBy !== undefined) {
      if (f.kind !== 'numeric') throw new Error(`${where}: field "${f.name}" is ${f.kind}; scale and scaleBy apply to numeric fields`);
      if (f.scale !== undefined && !NUMERIC_SCALINGS.includes(f.scale)) {
        throw new Error(`${where}: field "${f.name}" scale must be ${NUMERIC_SCALINGS.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(f.scale)}`);
      }
      if (f.scale !== undefined) r.scale = f.scale;
      if (f.scale === 'none' && f.scaleBy !== undefined) throw new Error(`${where}: field "${f.name}" has scale "none" and a scaleBy; drop one`);
      const b = f.scaleBy;
      if (b !== undefined) {
        if (typeof b !== 'object' || b === null || !Number.isFinite(b.center) || !Number.isFinite(b.spread) || !(b.spread > 0)) {
          throw new Error(`${where}: field "${f.name}" scaleBy must be { center: a finite number, spread: a finite number > 0 }, got ${JSON.stringify(b)}`);
        }
        r.scaleBy = { center: b.center, spread: b.spread };
      }
    }
    return r;
  }

  private fieldIdx(field: string, where: string): number {
    const i = this.fieldList.findIndex((f) => f.name === field);
    if (i < 0) throw new Error(`${where}: no field "${field}" (fields: ${this.fieldList.map((f) => f.name).join(', ')})`);
    return i;
  }

  /** The vocabulary of a categorical or multi-hot field that is not hashed. */
  vocabulary(field: string): Vocabulary {
    const i = this.fieldIdx(field, 'Encoder.vocabulary');
    const v = this.vocabs[i];
    if (!v) {
      const why = this.fieldList[i]?.kind === 'numeric' ? 'is numeric' : 'is hashed';
      throw new Error(`Encoder.vocabulary: field "${field}" ${why} and has no vocabulary`);
    }
    return v;
  }

  /** Hash bits of a hashed field; undefined for fields with a vocabulary and numeric fields. */
  hashBits(field: string): number | undefined {
    return this.fieldList[this.fieldIdx(field, 'Encoder.hashBits')]?.hashBits;
  }

  /** True when some field is hashed. */
  get hashed(): boolean {
    return this.fieldList.some((f) => f.hashBits !== undefined);
  }

  /**
   * Global feature id of a raw value. Categorical/multi-hot: its key's id, or the field's OOV
   * bucket when unseen; a numeric-looking string also matches a number key and vice versa, so
   * ids typed on a command line resolve. Hashed: its bucket (numbers hash as their decimal
   * text). Numeric: the field's single id.
   */
  encode(field: string, raw: string | number): number {
    const i = this.fieldIdx(field, 'Encoder.encode');
    const offset = this.schema.offsets[i] as number;
    const seed = this.fieldSeeds[i];
    if (seed !== undefined) return offset + (hashToken(raw, seed) & ((this.schema.fields[i] as FieldSpec).cardinality - 1));
    const v = this.vocabs[i];
    if (!v) return offset;
    let local = v.get(raw);
    if (local === 0) {
      if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) local = v.get(Number(raw));
      else if (typeof raw === 'number') local = v.get(String(raw));
    }
    return offset + local;
  }

  /**
   * An encoder for more data of the same kind (a new day of logs, a warm start): every field,
   * id and hash setting of this one is kept, and keys of `frame` not yet in a vocabulary get new
   * ids appended at the end of their field (see {@link EncoderFitter}); compare
   * `schema.fieldDims` before and after, or use `schemaGrowthMap` to move model rows.
   */
  grow(frame: Frame): Encoder {
    return new EncoderFitter(this, { where: 'Encoder.grow' }).add(frame).finish();
  }

  /** Raw key of a global feature id of a categorical/multi-hot field; undefined for its OOV bucket. */
  decode(field: string, globalId: number): string | number | undefined {
    const i = this.fieldIdx(field, 'Encoder.decode');
    const v = this.vocabs[i];
    if (!v) {
      const why = this.fieldList[i]?.kind === 'numeric' ? 'is numeric and has no keys' : 'is hashed: a bucket has no single key';
      throw new Error(`Encoder.decode: field "${field}" ${why}`);
    }
    const lo = this.schema.offsets[i] as number;
    const hi = this.schema.offsets[i + 1] as number;
    if (!Number.isInteger(globalId) || globalId < lo || globalId >= hi) {
      throw new Error(`Encoder.decode: id ${globalId} is not in field "${field}" (ids [${lo}, ${hi}))`);
    }
    return v.key(globalId - lo);
  }

  /**
   * Encodes a frame with the fitted vocabularies (unseen keys go to each field's OOV bucket).
   * Row `r` holds its fields in schema order; a multi-hot field's ids are sorted, duplicates
   * merged (weights summed). Labels are a `[length]` array or the name of a numeric column;
   * `keepColumns` are copied as side columns (numeric columns only); `hashStats` records every
   * token of a hashed field, to report collisions.
   */
  transform(
    frame: Frame,
    labels: Float32Array | string,
    options: { keepColumns?: string[]; hashStats?: HashCollisionCounter } = {},
  ): SparseDataset {
    const where = 'Encoder.transform';
    validateFrame(frame);
    const rows = frame.length;
    const y = typeof labels === 'string' ? numericColumn(frame, labels, where, `label column "${labels}"`) : labels;
    if (y.length !== rows) throw new Error(`${where}: ${y.length} labels for ${rows} rows`);
    for (let r = 0; r < rows; r++) {
      if (!Number.isFinite(y[r] as number)) throw new Error(`${where}: label of row ${r} is ${y[r]}, expected a finite number`);
    }
    // Pass 1, per field: local ids / values (and merged bags for multi-hot fields).
    const preps = this.fieldList.map((spec, f) => this.prepare(frame, f, where, options.hashStats));
    // Row offsets.
    const offsets = new Int32Array(rows + 1);
    let singles = 0;
    for (const p of preps) if (p.kind !== 'multi-hot') singles++;
    for (let r = 0; r < rows; r++) offsets[r + 1] = (offsets[r] as number) + singles;
    for (const p of preps) {
      if (p.kind !== 'multi-hot') continue;
      let extra = 0;
      for (let r = 0; r < rows; r++) {
        extra += (p.start[r + 1] as number) - (p.start[r] as number);
        offsets[r + 1] = (offsets[r + 1] as number) + extra;
      }
    }
    const nnz = offsets[rows] as number;
    const ids = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    const fields = new Int32Array(nnz);
    // Pass 2, field by field (tight, monomorphic loops): write each row's slots in schema order.
    const cursor = offsets.slice(0, rows);
    preps.forEach((p, f) => {
      const off = this.schema.offsets[f] as number;
      if (p.kind === 'categorical') writeCategorical(p.local, off, f, cursor, ids, values, fields);
      else if (p.kind === 'numeric') writeNumeric(p.values, off, f, cursor, ids, values, fields, this.scaleOf(f, where), (this.fieldList[f] as ResolvedField).scale === 'log');
      else writeBags(p.start, p.local, p.weights, off, f, cursor, ids, values, fields);
    });
    const columns: Record<string, RowColumn> = {};
    for (const name of options.keepColumns ?? []) {
      const c = frame.columns[name];
      if (c === undefined) throw new Error(`${where}: keepColumns names "${name}", which the frame lacks`);
      if (c instanceof Int32Array || c instanceof Float32Array || c instanceof Float64Array) columns[name] = c.slice();
      else columns[name] = Float64Array.from(numericColumn(frame, name, where, `kept column "${name}"`));
    }
    return new SparseDataset(
      { schema: this.schema, labels: y instanceof Float32Array ? y.slice() : Float32Array.from(y), offsets, ids, values, fields, columns },
      { validate: false },
    );
  }

  /** The fitted scaling of numeric field `f`, undefined when it is used as given; throws when it was never fitted. */
  private scaleOf(f: number, where: string): NumericScale | undefined {
    const spec = this.fieldList[f] as ResolvedField;
    if (spec.scale === undefined) return spec.scaleBy;
    if (spec.scale === 'none') return undefined;
    if (spec.scaleBy === undefined) throw new Error(`${where}: field "${spec.name}" has scale "${spec.scale}" but no fitted scaleBy (fit the encoder, or give scaleBy)`);
    return spec.scaleBy;
  }

  /** Local id of each key of field `f`: its vocabulary id, or its hash bucket (recorded in `stats`). */
  private lookup(f: number, stats: HashCollisionCounter | undefined): (key: VocabKey) => number {
    const spec = this.fieldList[f] as ResolvedField;
    const seed = this.fieldSeeds[f];
    if (seed === undefined) {
      const voc = this.vocabs[f] as Vocabulary;
      return (k) => voc.get(k);
    }
    const bits = spec.hashBits as number;
    const mask = 2 ** bits - 1;
    if (!stats) return (k) => hashToken(k, seed) & mask;
    return (k) => {
      const h = hashToken(k, seed);
      stats.add(spec.name, bits, h);
      return h & mask;
    };
  }

  /** Pass 1 for one field: local ids (categorical), values (numeric) or merged sorted bags (multi-hot). */
  private prepare(frame: Frame, f: number, where: string, stats: HashCollisionCounter | undefined): Prepared {
    const spec = this.fieldList[f] as ResolvedField;
    const c = columnOf(frame, spec, where);
    const rows = frame.length;
    if (spec.kind === 'numeric') {
      const v = numericColumn(frame, spec.column, where, `field "${spec.name}" (column "${spec.column}")`, true);
      return { kind: 'numeric', values: v instanceof Float32Array ? v : Float32Array.from(v) };
    }
    const get = this.lookup(f, stats);
    if (!isMultiHot(c)) {
      const local = new Int32Array(rows);
      if (ArrayBuffer.isView(c)) {
        for (let r = 0; r < rows; r++) {
          const k = c[r] as number;
          if (!Number.isFinite(k)) throw new Error(`${where}: field "${spec.name}" row ${r}: expected a finite number key, got ${k}`);
          local[r] = get(k);
        }
      } else {
        for (let r = 0; r < rows; r++) local[r] = get(checkKey(c[r], where, spec.name, r));
      }
      return { kind: 'categorical', local };
    }
    const nTok = c.tokens.length;
    const w = c.weights;
    const tokLocal = new Int32Array(nTok);
    for (let j = 0; j < nTok; j++) {
      const k = c.tokens[j];
      if (typeof k !== 'string' && !(typeof k === 'number' && Number.isFinite(k))) checkKey(k, where, spec.name, tokenRow(c, j));
      tokLocal[j] = get(k as VocabKey);
      if (w && !Number.isFinite(w[j] as number)) {
        throw new Error(`${where}: field "${spec.name}" row ${tokenRow(c, j)} has weight ${w[j]}, expected a finite number`);
      }
    }
    // Merge duplicates per row (sum weights), sort ids, normalise.
    const bags = mergeBags(c.offsets, tokLocal, w, rows, (this.schema.fields[f] as FieldSpec).cardinality);
    if (spec.normalize) {
      const l2 = spec.normalize === 'l2';
      for (let r = 0; r < rows; r++) {
        const a = bags.start[r] as number;
        const b = bags.start[r + 1] as number;
        if (a === b) continue;
        let sum = bags.sums[r] as number;
        if (l2) {
          sum = 0;
          for (let j = a; j < b; j++) sum += (bags.acc[j] as number) * (bags.acc[j] as number);
          sum = Math.sqrt(sum);
        }
        if (sum === 0) throw new Error(`${where}: field "${spec.name}" row ${r}: weights ${l2 ? 'have length' : 'sum to'} 0, cannot normalise (set normalize: false)`);
        const scale = 1 / sum;
        for (let j = a; j < b; j++) bags.weights[j] = (bags.acc[j] as number) * scale;
      }
    } else {
      for (let j = 0; j < bags.local.length; j++) bags.weights[j] = bags.acc[j] as number;
    }
    return { kind: 'multi-hot', start: bags.start, local: bags.local, weights: bags.weights };
  }

  /** The encoder as plain JSON (field configs and vocabulary keys in id order). */
  toJSON(): EncoderJSON {
    return {
      format: ENCODER_FORMAT,
      fields: this.fieldList.map((f, i) => {
        const out: EncoderFieldJSON = { name: f.name, kind: f.kind, column: f.column };
        if (f.minCount !== undefined) out.minCount = f.minCount;
        if (f.maxSize !== undefined) out.maxSize = f.maxSize;
        if (f.kind === 'multi-hot') out.normalize = f.normalize;
        if (f.hashBits !== undefined) {
          out.hashBits = f.hashBits;
          out.hashSeed = f.hashSeed ?? 0;
        }
        if (f.scale !== undefined) out.scale = f.scale;
        if (f.scaleBy !== undefined) out.scaleBy = { ...f.scaleBy };
        const v = this.vocabs[i];
        if (v) out.keys = [...v.keys];
        return out;
      }),
    };
  }

  /** Rebuilds an encoder from {@link toJSON} output; throws naming what is malformed. */
  static fromJSON(json: unknown): Encoder {
    const where = 'Encoder.fromJSON';
    const obj = json as Partial<EncoderJSON> | null;
    if (typeof obj !== 'object' || obj === null) throw new Error(`${where}: expected an object, got ${json === null ? 'null' : typeof json}`);
    if (obj.format !== ENCODER_FORMAT) throw new Error(`${where}: expected format "${ENCODER_FORMAT}", got ${JSON.stringify(obj.format)}`);
    if (!Array.isArray(obj.fields) || obj.fields.length === 0) throw new Error(`${where}: expected a non-empty "fields" array`);
    const resolved: ResolvedField[] = [];
    const vocabs: (Vocabulary | undefined)[] = [];
    obj.fields.forEach((raw: unknown, i) => {
      const f = raw as Partial<EncoderFieldJSON> | null;
      if (typeof f !== 'object' || f === null) throw new Error(`${where}: field ${i} is not an object`);
      const label = `field ${i} (${JSON.stringify(f.name)})`;
      if (typeof f.column !== 'string') throw new Error(`${where}: ${label}: expected a string "column"`);
      const r = Encoder.resolve(f as FieldConfig, i, where);
      if (r.scale !== undefined && r.scale !== 'none' && r.scaleBy === undefined) throw new Error(`${where}: ${label}: scale "${r.scale}" needs its fitted "scaleBy"`);
      resolved.push(r);
      if (r.kind === 'numeric' || r.hashBits !== undefined) {
        if (f.keys !== undefined) throw new Error(`${where}: ${label}: a ${r.kind === 'numeric' ? 'numeric' : 'hashed'} field has no "keys"`);
        vocabs.push(undefined);
        return;
      }
      const keys = f.keys;
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)))) {
        throw new Error(`${where}: ${label}: expected "keys" to be an array of strings and finite numbers`);
      }
      try {
        // Keys are in id order: sorted when fitted, with later keys appended when grown.
        vocabs.push(new Vocabulary(keys, { keepOrder: true }));
      } catch (e) {
        throw new Error(`${where}: ${label}: ${(e as Error).message}`);
      }
    });
    return Encoder.fromParts(resolved, vocabs, where);
  }
}

/**
 * A frame column as numbers; throws naming the column and row for non-numbers. With `missing`, NaN numbers are let
 * through (a numeric field's missing values). @internal
 */
export function numericColumn(frame: Frame, name: string, where: string, what: string, missing = false): Float32Array | Float64Array | Int32Array {
  const c = frame.columns[name];
  if (c === undefined) throw new Error(`${where}: ${what} is not in the frame (columns: ${Object.keys(frame.columns).join(', ')})`);
  if (isMultiHot(c)) throw new Error(`${where}: ${what} is a multi-hot column, expected numbers`);
  if (!Array.isArray(c)) {
    for (let r = 0; r < c.length; r++) {
      const x = c[r] as number;
      if (!Number.isFinite(x) && !(missing && Number.isNaN(x))) throw new Error(`${where}: ${what} row ${r}: expected a finite number, got ${x}`);
    }
    return c;
  }
  const out = new Float64Array(c.length);
  for (let r = 0; r < c.length; r++) {
    const v = c[r];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) && !(missing && typeof v === 'number' && Number.isNaN(v))) throw new Error(`${where}: ${what} row ${r}: expected a finite number, got ${JSON.stringify(v)}`);
    out[r] = n;
  }
  return out;
}

type Prepared =
  | { kind: 'categorical'; local: Int32Array }
  | { kind: 'numeric'; values: Float32Array }
  | { kind: 'multi-hot'; start: Int32Array; local: Int32Array; weights: Float32Array };

function writeCategorical(
  local: Int32Array, off: number, f: number, cursor: Int32Array, ids: Int32Array, values: Float32Array, fields: Int32Array,
): void {
  for (let r = 0; r < local.length; r++) {
    const p = cursor[r] as number;
    ids[p] = off + (local[r] as number);
    values[p] = 1;
    fields[p] = f;
    cursor[r] = p + 1;
  }
}

function writeNumeric(
  v: Float32Array, off: number, f: number, cursor: Int32Array, ids: Int32Array, values: Float32Array, fields: Int32Array, scale: NumericScale | undefined,
  log: boolean,
): void {
  const center = scale?.center ?? 0;
  const spread = scale?.spread ?? 1;
  for (let r = 0; r < v.length; r++) {
    const p = cursor[r] as number;
    ids[p] = off;
    const x = log ? preScale('log', v[r] as number) : (v[r] as number);
    // NaN: a missing value, the feature absent
    values[p] = Number.isNaN(x) ? 0 : scale === undefined ? x : (x - center) / spread;
    fields[p] = f;
    cursor[r] = p + 1;
  }
}

function writeBags(
  start: Int32Array, local: Int32Array, weights: Float32Array, off: number, f: number,
  cursor: Int32Array, ids: Int32Array, values: Float32Array, fields: Int32Array,
): void {
  for (let r = 0; r < cursor.length; r++) {
    let p = cursor[r] as number;
    for (let j = start[r] as number; j < (start[r + 1] as number); j++) {
      ids[p] = off + (local[j] as number);
      values[p] = weights[j] as number;
      fields[p++] = f;
    }
    cursor[r] = p;
  }
}

/** Bags of one multi-hot field after merging: per row, distinct local ids ascending with summed weights. */
interface MergedBags {
  /** `[rows + 1]` offsets into local/acc/weights. */
  start: Int32Array;
  local: Int32Array;
  /** Summed weights per distinct id (float64, in token order). */
  acc: Float64Array;
  /** Output weights (filled by the caller: acc, or acc / row sum). */
  weights: Float32Array;
  /** `[rows]` total weight of each row, summed in token order. */
  sums: Float64Array;
}

/**
 * Merges duplicate ids within each row of a bag column and sorts them. Uses a dense scratch table
 * over the field's ids when it is small next to the data, else sorts each row (stable, so weights
 * add up in token order either way): hashed fields with 2^20+ buckets never allocate per-id tables.
 */
function mergeBags(offsets: Int32Array, tok: Int32Array, w: Float32Array | undefined, rows: number, size: number): MergedBags {
  const nTok = tok.length;
  const start = new Int32Array(rows + 1);
  const local = new Int32Array(nTok);
  const acc = new Float64Array(nTok);
  const sums = new Float64Array(rows);
  let maxLen = 0;
  for (let r = 0; r < rows; r++) maxLen = Math.max(maxLen, (offsets[r + 1] as number) - (offsets[r] as number));
  let p = 0;
  if (size <= 4 * nTok + 65536) {
    const stamp = new Int32Array(size);
    const total = new Float64Array(size);
    const touched = new Int32Array(maxLen);
    for (let r = 0; r < rows; r++) {
      let nt = 0;
      let sum = 0;
      for (let j = offsets[r] as number; j < (offsets[r + 1] as number); j++) {
        const id = tok[j] as number;
        const wj = w ? (w[j] as number) : 1;
        if (stamp[id] !== r + 1) {
          stamp[id] = r + 1;
          total[id] = 0;
          touched[nt++] = id;
        }
        total[id] = (total[id] as number) + wj;
        sum += wj;
      }
      const t = touched.subarray(0, nt);
      if (nt > 1) t.sort();
      for (let j = 0; j < nt; j++) {
        local[p] = t[j] as number;
        acc[p++] = total[t[j] as number] as number;
      }
      sums[r] = sum;
      start[r + 1] = p;
    }
  } else {
    const ids = new Int32Array(maxLen);
    const ws = new Float64Array(maxLen);
    for (let r = 0; r < rows; r++) {
      const a = offsets[r] as number;
      const n = (offsets[r + 1] as number) - a;
      let sum = 0;
      for (let j = 0; j < n; j++) {
        ids[j] = tok[a + j] as number;
        ws[j] = w ? (w[a + j] as number) : 1;
        sum += ws[j] as number;
      }
      if (n > 32) {
        const idx = Array.from({ length: n }, (_, j) => j).sort((x, y) => (ids[x] as number) - (ids[y] as number) || x - y);
        const si = idx.map((j) => ids[j] as number);
        const sw = idx.map((j) => ws[j] as number);
        ids.set(si);
        ws.set(sw);
      } else {
        for (let j = 1; j < n; j++) {
          const id = ids[j] as number;
          const wj = ws[j] as number;
          let q = j - 1;
          while (q >= 0 && (ids[q] as number) > id) {
            ids[q + 1] = ids[q] as number;
            ws[q + 1] = ws[q] as number;
            q--;
          }
          ids[q + 1] = id;
          ws[q + 1] = wj;
        }
      }
      for (let j = 0; j < n; j++) {
        if (j > 0 && ids[j] === ids[j - 1]) {
          acc[p - 1] = (acc[p - 1] as number) + (ws[j] as number);
        } else {
          local[p] = ids[j] as number;
          acc[p++] = ws[j] as number;
        }
      }
      sums[r] = sum;
      start[r + 1] = p;
    }
  }
  return { start, local: local.subarray(0, p), acc: acc.subarray(0, p), weights: new Float32Array(p), sums };
}
