import { Encoder, type FieldConfig } from '../encoder.js';
import type { Column, Frame } from '../frame.js';
import { isBlank, forEachLine, type LineSource } from '../line-source.js';
import { BadLines, FLOAT32_RANGE, fitsFloat32, labelledTokens, toNumber, type LoadOptions } from '../parse-error.js';
import type { SparseDataset } from '../sparse-dataset.js';
import { Growable } from './growable.js';

/** Options of {@link parseLibffm}. */
export interface LibffmOptions extends LoadOptions {
  /** A mapping fitted on the training file (its `encoder`): reuse it for a test file so ids agree; unseen indices go to each field's OOV bucket. */
  encoder?: Encoder;
}

/** Name of the schema field for libffm field number `f`. */
export function libffmFieldName(f: number): string {
  return `f${f}`;
}

const INT = /^\d+$/;

interface FieldAcc {
  rows: Growable<Int32Array>;
  idx: number[];
  val: Growable<Float32Array>;
}

/**
 * Parses libffm text, one example per line: `label field:idx:val …` (field and index
 * non-negative integers). Each field number `f` becomes a schema field `f<f>` (sorted by number)
 * of kind `multi-hot` whose vocabulary holds the indices seen in that field, so ids are
 * contiguous per field; local id 0 is the OOV bucket, used for indices unseen when a fitted
 * `encoder` is reused. Values are kept as given (not renormalised); a repeated index within one
 * row and field has its values summed. Errors name file:line: a missing or non-numeric label, a
 * token that is not `field:idx:val`, a negative number, a field the reused encoder lacks.
 */
export async function parseLibffm(
  lines: LineSource,
  opts: LibffmOptions = {},
): Promise<{ dataset: SparseDataset; encoder: Encoder; skipped: number; errors: string[] }> {
  const bad = new BadLines(opts);
  const known = opts.encoder ? new Set(opts.encoder.fields.map((f) => f.name)) : undefined;
  const labels = new Growable(Float32Array);
  const fields = new Map<number, FieldAcc>();
  const lineF: number[] = [];
  const lineI: number[] = [];
  const lineV: number[] = [];
  let rows = 0;
  await forEachLine(lines, (line, no) => {
    if (isBlank(line)) return;
    const parsed = labelledTokens(line, no, bad, 'field:idx:val');
    if (!parsed) return;
    const { tokens, label } = parsed;
    lineF.length = 0;
    lineI.length = 0;
    lineV.length = 0;
    let failed = false;
    for (let t = 1; t < tokens.length; t++) {
      const tok = tokens[t] as string;
      const parts = tok.split(':');
      const val = parts.length === 3 ? toNumber(parts[2] as string) : NaN;
      if (parts.length !== 3 || !/^-?\d+$/.test(parts[0] as string) || !/^-?\d+$/.test(parts[1] as string) || !Number.isFinite(val)) {
        bad.report(bad.error(no, 'a field:idx:val token (integer field and index, finite value)', tok));
        failed = true;
        break;
      }
      if (!INT.test(parts[0] as string) || !INT.test(parts[1] as string)) {
        bad.report(bad.error(no, 'a non-negative field and index', tok));
        failed = true;
        break;
      }
      const f = Number(parts[0]);
      const idx = Number(parts[1]);
      if (f > 2147483647 || idx > 2147483647) {
        bad.report(bad.error(no, 'a field and index within int32 range', tok));
        failed = true;
        break;
      }
      if (!fitsFloat32(val)) {
        bad.report(bad.error(no, `a value ${FLOAT32_RANGE}`, tok));
        failed = true;
        break;
      }
      if (known && !known.has(libffmFieldName(f))) {
        bad.report(bad.error(no, `a field the encoder knows (${[...known].join(', ')})`, tok));
        failed = true;
        break;
      }
      lineF.push(f);
      lineI.push(idx);
      lineV.push(val);
    }
    if (failed) return;
    for (let j = 0; j < lineF.length; j++) {
      const f = lineF[j] as number;
      let acc = fields.get(f);
      if (!acc) {
        acc = { rows: new Growable(Int32Array, 64), idx: [], val: new Growable(Float32Array, 64) };
        fields.set(f, acc);
      }
      acc.rows.push(rows);
      acc.idx.push(lineI[j] as number);
      acc.val.push(lineV[j] as number);
    }
    labels.push(label);
    rows++;
  });
  const names = opts.encoder
    ? opts.encoder.fields.map((f) => f.name)
    : [...fields.keys()].sort((a, b) => a - b).map(libffmFieldName);
  if (names.length === 0) throw new Error(`parseLibffm: ${bad.file}: no features found, cannot build a field mapping`);
  const byName = new Map([...fields.entries()].map(([f, acc]) => [libffmFieldName(f), acc]));
  const columns: Record<string, Column> = {};
  for (const name of names) {
    const acc = byName.get(name);
    const offsets = new Int32Array(rows + 1);
    if (!acc) {
      columns[name] = { kind: 'multi-hot', offsets, tokens: [] };
      continue;
    }
    const rowOf = acc.rows.build();
    for (let j = 0; j < rowOf.length; j++) offsets[(rowOf[j] as number) + 1] = (offsets[(rowOf[j] as number) + 1] as number) + 1;
    for (let r = 0; r < rows; r++) offsets[r + 1] = (offsets[r + 1] as number) + (offsets[r] as number);
    columns[name] = { kind: 'multi-hot', offsets, tokens: acc.idx, weights: acc.val.build() };
  }
  const frame: Frame = { length: rows, columns };
  const configs: FieldConfig[] = names.map((name) => ({ name, kind: 'multi-hot', normalize: false }));
  const encoder = opts.encoder ?? Encoder.fit(frame, configs);
  const dataset = encoder.transform(frame, labels.build());
  return { dataset, encoder, skipped: bad.skipped, errors: bad.errors };
}
