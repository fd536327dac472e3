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
  const base = opts.zeroBased ? 0 : 1;
  const limit = opts.numFeatures;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`parseLibsvm: numFeatures must be an integer ≥ 1, got ${limit}`);
  }
  const labels = new Growable(Float32Array);
  const offsets = new Growable(Int32Array);
  offsets.push(0);
  const ids = new Growable(Int32Array);
  const values = new Growable(Float32Array);
  let maxId = -1;
  await forEachLine(lines, (line, no) => {
    if (isBlank(line)) return;
    const parsed = labelledTokens(line, no, bad, 'idx:val');
    if (!parsed) return;
    const { tokens, label } = parsed;
    const start = ids.length;
    let failed = false;
    for (let t = 1; t < tokens.length; t++) {
      const tok = tokens[t] as string;
      const colon = tok.indexOf(':');
      const idxText = colon > 0 ? tok.slice(0, colon) : '';
      const valText = colon > 0 ? tok.slice(colon + 1) : '';
      const val = toNumber(valText);
      if (colon <= 0 || tok.indexOf(':', colon + 1) >= 0 || !Number.isFinite(val) || !/^-?\d+$/.test(idxText)) {
        bad.report(bad.error(no, 'an idx:val token (integer index, finite value)', tok));
        failed = true;
        break;
      }
      if (!INDEX.test(idxText) || Number(idxText) < base) {
        const why = base === 1 ? 'an index ≥ 1 (1-based; pass zeroBased for 0-based files)' : 'a non-negative index';
        bad.report(bad.error(no, why, tok));
        failed = true;
        break;
      }
      const id = Number(idxText) - base;
      if ((limit !== undefined && id >= limit) || id > 2147483646) {
        bad.report(bad.error(no, `an index below ${(limit ?? 2147483647) + base} (numFeatures ${limit ?? 'int32 range'})`, tok));
        failed = true;
        break;
      }
      ids.push(id);
      values.push(val);
      if (id > maxId) maxId = id;
    }
    if (failed) {
      ids.truncate(start);
      values.truncate(start);
      return;
    }
    labels.push(label);
    offsets.push(ids.length);
  });
  const n = limit ?? Math.max(1, maxId + 1);
  const schema = new FieldSchema([{ name: 'features', kind: 'multi-hot', cardinality: n }]);
  const idArr = ids.build();
  const dataset = new SparseDataset(
    { schema, labels: labels.build(), offsets: offsets.build(), ids: idArr, values: values.build(), fields: new Int32Array(idArr.length) },
    { validate: false },
  );
  return { dataset, skipped: bad.skipped, errors: bad.errors };
}
