import { Encoder } from '../encoder.js';
import { FieldSchema } from '../field-schema.js';
import { IntIndex } from '../int-index.js';
import { isBlank, forEachLine, type LineSource } from '../line-source.js';
import { BadLines, FLOAT32_RANGE, fitsFloat32, labelledTokens, toNumber, type LoadOptions } from '../parse-error.js';
import { SparseDataset } from '../sparse-dataset.js';
import { Growable } from './growable.js';

/** Options of {@link parseLibsvm}. */
export interface LibsvmOptions extends LoadOptions {
  /**
   * Index base. Unset (default): either works, and index 0 is simply one more feature (libFM accepts
   * 0-based files; many public data sets ship them). `true`: 0-based. `false`: strictly libsvm's
   * 1-based indices, index 0 is an error.
   */
  zeroBased?: boolean;
  /**
   * The encoder fitted on the training file (its `encoder`): reuse it for a test file so that ids
   * agree; indices the training file never had go to the out-of-vocabulary bucket (local id 0).
   */
  encoder?: Encoder;
}

/** Settings of the {@link LibsvmRows} parser. @internal */
export interface LibsvmRowsOptions {
  /** Index base (default 1; `true`: 0). */
  zeroBased?: boolean;
  /** Dense ids (index − base) must be below this. */
  numFeatures?: number;
  /** Keep indices as written (vocabulary keys, any int32 value ≥ the base) instead of dense ids. */
  keys?: boolean;
}

/** What {@link parseLibsvm} returns. */
export interface LibsvmResult {
  dataset: SparseDataset;
  /** Maps feature indices (vocabulary keys, as written in the file) to ids; save it with the model. */
  encoder: Encoder;
  /** True when the file has an index 0 (so it is 0-based). */
  zeroBased: boolean;
  skipped: number;
  errors: string[];
}

const INDEX = /^\d+$/;

/** Rows of libsvm text in CSR form: `ids` are 0-based feature ids (the index minus the base). @internal */
export interface LibsvmChunk {
  labels: Float32Array;
  offsets: Int32Array;
  ids: Int32Array;
  values: Float32Array;
}

/**
 * The line parser of libsvm / libFM text, accumulating rows until {@link take}: the one parser
 * behind {@link parseLibsvm} and the streaming encoder. @internal
 */
export class LibsvmRows {
  private labels = new Growable(Float32Array);
  private offsets = new Growable(Int32Array);
  private ids = new Growable(Int32Array);
  private values = new Growable(Float32Array);
  /** Largest id seen over all takes (-1 before any). */
  maxId = -1;
  /** True once an index 0 was read. */
  sawZero = false;
  /** Rows accumulated since the last {@link take}. */
  rows = 0;
  readonly base: number;

  private readonly keys: boolean;

  constructor(
    private readonly bad: BadLines,
    opts: LibsvmRowsOptions,
    private readonly limit = opts.numFeatures,
  ) {
    this.base = opts.zeroBased ? 0 : 1;
    this.keys = opts.keys === true;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new Error(`parseLibsvm: numFeatures must be an integer ≥ 1, got ${limit}`);
    }
    this.offsets.push(0);
  }

  /** Parses one line (1-based number `no`); a bad line is reported to the {@link BadLines} policy. */
  line(line: string, no: number): void {
    if (isBlank(line)) return;
    const { bad, base, limit, ids, values } = this;
    const parsed = labelledTokens(line, no, bad, 'idx:val');
    if (!parsed) return;
    const { tokens, label } = parsed;
    const start = ids.length;
    let maxId = this.maxId;
    for (let t = 1; t < tokens.length; t++) {
      const tok = tokens[t] as string;
      const colon = tok.indexOf(':');
      const idxText = colon > 0 ? tok.slice(0, colon) : '';
      const valText = colon > 0 ? tok.slice(colon + 1) : '';
      const val = toNumber(valText);
      let why: string | undefined;
      if (colon <= 0 || tok.indexOf(':', colon + 1) >= 0 || !Number.isFinite(val) || !/^-?\d+$/.test(idxText)) {
        why = 'an idx:val token (integer index, finite value)';
      } else if (!INDEX.test(idxText) || Number(idxText) < base) {
        why = base === 1 ? (this.keys ? 'an index ≥ 1 (a 1-based file)' : 'an index ≥ 1 (1-based; pass zeroBased for 0-based files)') : 'a non-negative index';
      } else if (this.keys && Number(idxText) > 2147483647) {
        why = 'an index within int32 range (≤ 2147483647)';
      } else if (!this.keys && ((limit !== undefined && Number(idxText) - base >= limit) || Number(idxText) - base > 2147483646)) {
        why = `an index below ${(limit ?? 2147483647) + base} (numFeatures ${limit ?? 'int32 range'})`;
      } else if (!fitsFloat32(val)) {
        why = `a value ${FLOAT32_RANGE}`;
      }
      if (why) {
        bad.report(bad.error(no, why, tok));
        ids.truncate(start);
        values.truncate(start);
        return;
      }
      const id = this.keys ? Number(idxText) : Number(idxText) - base;
      if (id === 0) this.sawZero = true;
      ids.push(id);
      values.push(val);
      if (id > maxId) maxId = id;
    }
    this.maxId = maxId;
    this.labels.push(label);
    this.offsets.push(ids.length);
    this.rows++;
  }

  /** The rows since the last take; starts afresh. */
  take(): LibsvmChunk {
    const out = { labels: this.labels.build(), offsets: this.offsets.build(), ids: this.ids.build(), values: this.values.build() };
    this.labels = new Growable(Float32Array);
    this.offsets = new Growable(Int32Array);
    this.offsets.push(0);
    this.ids = new Growable(Int32Array);
    this.values = new Growable(Float32Array);
    this.rows = 0;
    return out;
  }
}

/** The single-field schema of libsvm rows: `features`, multi-hot, `n` ids. @internal */
export function libsvmSchema(n: number): FieldSchema {
  return new FieldSchema([{ name: 'features', kind: 'multi-hot', cardinality: n }]);
}

const FIELD = 'features';

/** The encoder of a libsvm/libFM file: one multi-hot field whose vocabulary is the indices seen. */
function libsvmEncoder(keys: readonly number[]): Encoder {
  return Encoder.fromJSON({
    format: 'fm-encoder/1',
    fields: [{ name: FIELD, kind: 'multi-hot', column: FIELD, normalize: false, keys }],
  });
}

/**
 * Parses libsvm / libFM text, one example per line: `label idx:val idx:val …`.
 *
 * Feature indices are categorical ids: they are mapped through a vocabulary (an {@link Encoder}
 * with one `multi-hot` field, `features`, whose keys are the indices seen), so memory follows the
 * number of distinct features, not the largest index, and a test file parsed with the training
 * file's `encoder` gets the same ids (unseen indices → the OOV bucket, local id 0). Values are kept
 * exactly as given, not renormalised, because in these files they carry meaning (real-valued
 * features, tf-idf, libFM's own normalised blocks); duplicates and order within a row are kept.
 * 0-based and 1-based files both work (see {@link LibsvmOptions.zeroBased}). Errors name file:line:
 * a missing or non-numeric label, a token that is not `idx:val`, a negative index (or 0 in a strictly
 * 1-based file), an index beyond int32, a value that is not finite or outside float32 range.
 */
export async function parseLibsvm(lines: LineSource, opts: LibsvmOptions = {}): Promise<LibsvmResult> {
  const bad = new BadLines(opts);
  const parser = new LibsvmRows(bad, { zeroBased: opts.zeroBased !== false, keys: true });
  await forEachLine(lines, (line, no) => parser.line(line, no));
  const c = parser.take();
  const keys = c.ids;
  const ids = new Int32Array(keys.length);
  let encoder = opts.encoder;
  if (encoder) {
    if (encoder.fields.length !== 1 || encoder.fields[0]?.name !== FIELD || encoder.fields[0]?.kind !== 'multi-hot') {
      throw new Error(`parseLibsvm: ${bad.file}: the encoder is not a libsvm/libFM encoder (one multi-hot field "${FIELD}"), it has fields ${encoder.fields.map((f) => f.name).join(', ')}`);
    }
    const vocab = encoder.vocabulary(FIELD);
    for (let j = 0; j < keys.length; j++) ids[j] = vocab.get(keys[j] as number);
  } else {
    const { index, codes } = IntIndex.build(keys);
    const sorted = Array.from(index.keys).sort((a, b) => a - b);
    const rank = new Map<number, number>(sorted.map((k, i) => [k, i + 1]));
    const localOf = Int32Array.from(index.keys, (k) => rank.get(k) as number);
    for (let j = 0; j < keys.length; j++) ids[j] = localOf[codes[j] as number] as number;
    encoder = libsvmEncoder(sorted);
  }
  const dataset = new SparseDataset(
    { schema: encoder.schema, labels: c.labels, offsets: c.offsets, ids, values: c.values, fields: new Int32Array(ids.length) },
    { validate: false },
  );
  return { dataset, encoder, zeroBased: parser.sawZero || opts.zeroBased === true, skipped: bad.skipped, errors: bad.errors };
}
