import { FieldSchema } from '../field-schema.js';
import { isBlank, forEachLine, type LineSource } from '../line-source.js';
import { BadLines, labelledTokens, toNumber, type LoadOptions } from '../parse-error.js';
import { SparseDataset } from '../sparse-dataset.js';
import { Growable } from './growable.js';

/** Options of {@link parseLibsvm}. */
export interface LibsvmOptions extends LoadOptions {
  /** Feature count n; indices (after the base shift) must be < n. Default: largest index seen + 1. Pass the training file's n when parsing its test file. */
  numFeatures?: number;
  /** True when indices start at 0 (many libFM files); default false, libsvm's 1-based indices. */
  zeroBased?: boolean;
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
  /** Rows accumulated since the last {@link take}. */
  rows = 0;
  readonly base: number;

  constructor(
    private readonly bad: BadLines,
    opts: Pick<LibsvmOptions, 'zeroBased' | 'numFeatures'>,
    private readonly limit = opts.numFeatures,
  ) {
    this.base = opts.zeroBased ? 0 : 1;
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
        why = base === 1 ? 'an index ≥ 1 (1-based; pass zeroBased for 0-based files)' : 'a non-negative index';
      } else if ((limit !== undefined && Number(idxText) - base >= limit) || Number(idxText) - base > 2147483646) {
        why = `an index below ${(limit ?? 2147483647) + base} (numFeatures ${limit ?? 'int32 range'})`;
      }
      if (why) {
        bad.report(bad.error(no, why, tok));
        ids.truncate(start);
        values.truncate(start);
        return;
      }
      const id = Number(idxText) - base;
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

/**
 * Parses libsvm / libFM text, one example per line: `label idx:val idx:val …`.
 *
 * The result has one field, `features`, of kind `multi-hot` and cardinality n: a row may activate
 * any number of its ids. Values are kept exactly as given, not renormalised to sum to 1 (unlike
 * encoder multi-hot fields), because in these files they carry meaning (real-valued features,
 * tf-idf, libFM's own normalised blocks). Indices are shifted to 0-based ids; duplicates and order
 * are kept as given. Errors name file:line: a missing or non-numeric label, a token that is not
 * `idx:val`, a negative index (or 0 in a 1-based file), an index ≥ `numFeatures`, a non-finite value.
 */
export async function parseLibsvm(
  lines: LineSource,
  opts: LibsvmOptions = {},
): Promise<{ dataset: SparseDataset; skipped: number; errors: string[] }> {
  const bad = new BadLines(opts);
  const parser = new LibsvmRows(bad, opts);
  await forEachLine(lines, (line, no) => parser.line(line, no));
  const n = opts.numFeatures ?? Math.max(1, parser.maxId + 1);
  const c = parser.take();
  const dataset = new SparseDataset({ schema: libsvmSchema(n), ...c, fields: new Int32Array(c.ids.length) }, { validate: false });
  return { dataset, skipped: bad.skipped, errors: bad.errors };
}
