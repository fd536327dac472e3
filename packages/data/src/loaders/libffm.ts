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

const NOT_INT = -1;
const NEGATIVE = -2;
const TOO_LARGE = -3;

/**
 * The non-negative integer written in `s[a, b)`: its value, or NOT_INT (empty or not all digits,
 * an optional leading minus aside), NEGATIVE (a negative integer) or TOO_LARGE (above int32).
 */
function integerAt(s: string, a: number, b: number): number {
  const neg = s.charCodeAt(a) === 45;
  const start = neg ? a + 1 : a;
  if (start >= b) return NOT_INT;
  let v = 0;
  for (let i = start; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NOT_INT;
    v = v * 10 + d;
  }
  if (neg) return NEGATIVE;
  return v > 2147483647 ? TOO_LARGE : v;
}

interface FieldAcc {
  rows: Growable<Int32Array>;
  idx: number[];
  val: Growable<Float32Array>;
}

/**
 * The line parser of libffm text, accumulating rows until {@link take} hands them out as a
 * {@link Frame} (one multi-hot column of indices per field, values as weights): the one parser
 * behind {@link parseLibffm} and the streaming encoder. @internal
 */
export class LibffmRows {
  private labels = new Growable(Float32Array);
  private fields = new Map<number, FieldAcc>();
  private readonly seen = new Set<number>();
  private readonly lineF: number[] = [];
  private readonly lineI: number[] = [];
  private readonly lineV: number[] = [];
  /** Rows accumulated since the last {@link take}. */
  rows = 0;

  /** @param known field names allowed (those of a reused encoder); others are bad lines. */
  constructor(
    private readonly bad: BadLines,
    private known?: ReadonlySet<string>,
  ) {}

  /** Restricts the fields allowed from now on (a streaming encoder fixes them after its first chunk). */
  setKnown(known: ReadonlySet<string>): void {
    this.known = known;
  }

  /** Field numbers seen so far (over all takes), ascending. */
  fieldNumbers(): number[] {
    return [...this.seen].sort((a, b) => a - b);
  }

  /** Parses one line (1-based number `no`); a bad line is reported to the {@link BadLines} policy. */
  line(line: string, no: number): void {
    if (isBlank(line)) return;
    const bad = this.bad;
    const parsed = labelledTokens(line, no, bad, 'field:idx:val');
    if (!parsed) return;
    const { tokens, label } = parsed;
    const { lineF, lineI, lineV, known } = this;
    lineF.length = 0;
    lineI.length = 0;
    lineV.length = 0;
    for (let t = 1; t < tokens.length; t++) {
      const tok = tokens[t] as string;
      const c1 = tok.indexOf(':');
      const c2 = c1 < 0 ? -1 : tok.indexOf(':', c1 + 1);
      const f = c2 < 0 ? NOT_INT : integerAt(tok, 0, c1);
      const idx = c2 < 0 ? NOT_INT : integerAt(tok, c1 + 1, c2);
      const valText = c2 < 0 ? '' : tok.slice(c2 + 1);
      const val = valText === '1' ? 1 : toNumber(valText);
      if (f === NOT_INT || idx === NOT_INT || !Number.isFinite(val) || valText.indexOf(':') >= 0) {
        bad.report(bad.error(no, 'a field:idx:val token (integer field and index, finite value)', tok));
        return;
      }
      if (f === NEGATIVE || idx === NEGATIVE) {
        bad.report(bad.error(no, 'a non-negative field and index', tok));
        return;
      }
      if (f === TOO_LARGE || idx === TOO_LARGE) {
        bad.report(bad.error(no, 'a field and index within int32 range', tok));
        return;
      }
      if (!fitsFloat32(val)) {
        bad.report(bad.error(no, `a value ${FLOAT32_RANGE}`, tok));
        return;
      }
      if (known && !known.has(libffmFieldName(f))) {
        bad.report(bad.error(no, `a field the encoder knows (${[...known].join(', ')})`, tok));
        return;
      }
      lineF.push(f);
      lineI.push(idx);
      lineV.push(val);
    }
    for (let j = 0; j < lineF.length; j++) {
      const f = lineF[j] as number;
      let acc = this.fields.get(f);
      if (!acc) {
        acc = { rows: new Growable(Int32Array, 64), idx: [], val: new Growable(Float32Array, 64) };
        this.fields.set(f, acc);
        this.seen.add(f);
      }
      acc.rows.push(this.rows);
      acc.idx.push(lineI[j] as number);
      acc.val.push(lineV[j] as number);
    }
    this.labels.push(label);
    this.rows++;
  }

  /**
   * The rows since the last take as a frame with one multi-hot column per name in `names` (fields
   * without features in these rows get empty bags), and their labels; starts afresh.
   */
  take(names: readonly string[]): { frame: Frame; labels: Float32Array } {
    const rows = this.rows;
    const byName = new Map([...this.fields.entries()].map(([f, acc]) => [libffmFieldName(f), acc]));
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
    const labels = this.labels.build();
    this.labels = new Growable(Float32Array);
    this.fields = new Map();
    this.rows = 0;
    return { frame: { length: rows, columns }, labels };
  }
}

/** Encoder field configs of libffm fields: multi-hot, values kept as given. @internal */
export function libffmFieldConfigs(names: readonly string[]): FieldConfig[] {
  return names.map((name) => ({ name, kind: 'multi-hot', normalize: false }));
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
  const parser = new LibffmRows(bad, opts.encoder ? new Set(opts.encoder.fields.map((f) => f.name)) : undefined);
  await forEachLine(lines, (line, no) => parser.line(line, no));
  const names = opts.encoder ? opts.encoder.fields.map((f) => f.name) : parser.fieldNumbers().map(libffmFieldName);
  if (names.length === 0) throw new Error(`parseLibffm: ${bad.file}: no features found, cannot build a field mapping`);
  const { frame, labels } = parser.take(names);
  const encoder = opts.encoder ?? Encoder.fit(frame, libffmFieldConfigs(names));
  const dataset = encoder.transform(frame, labels);
  return { dataset, encoder, skipped: bad.skipped, errors: bad.errors };
}
