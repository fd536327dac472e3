import { NUMERIC_SCALINGS, type FieldConfig, type NumericScaling } from '../encoder.js';
import type { Frame, Column } from '../frame.js';
import { isBlank, forEachLine, type LineSource } from '../line-source.js';
import { BadLines, FLOAT32_RANGE, fitsFloat32, ParseError, toNumber, type LoadOptions } from '../parse-error.js';
import { CsvLineError, splitCsvLine } from './csv-line.js';
import { Growable } from './growable.js';

/** What a CSV column becomes: `cat` categorical keys (strings), `num` numbers, `multi` a token bag, `skip` ignored. */
export type CsvColumnKind = 'cat' | 'num' | 'multi' | 'skip';

/** One column of a {@link CsvColumnSpec}. */
export interface CsvColumn {
  /** Header name, or the 0-based position as a string (`"0"`, `"1"`, …) when the file has no header. */
  name: string;
  kind: CsvColumnKind;
  /** `multi`: the token separator inside the field (default `|`). */
  separator?: string;
}

/**
 * How to read a generic CSV file. Every column of the file must be either the label or listed
 * in `columns` (mark unwanted ones `skip`), so nothing is dropped by accident.
 *
 * Compact string form (see {@link parseCsvSpec}), comma-separated entries:
 * - `label=NAME` — the label column (required; numbers);
 * - `NAME:cat`, `NAME:num`, `NAME:skip`, `NAME:multi` or `NAME:multiSEP` (e.g. `genres:multi|`,
 *   `tags:multi;`; default separator `|`);
 * - `header=yes|no` (default yes; without a header NAME is the 0-based column position);
 * - `delim=comma|tab|semicolon|pipe|space|C` for a single character C (default comma);
 * - `scale=minmax|standard|log|none`: how `num` columns are scaled (default `minmax`: to [0, 1] over the rows the
 *   encoder is fitted on; `log`: ln(1 + x) first, for counts; see `FieldConfig.scale`). Raw numbers such as ages or
 *   prices make FM training diverge.
 *
 * Example: `"label=rating,user:cat,item:cat,age:num,genres:multi|,ts:skip"`.
 */
export interface CsvColumnSpec {
  /** Label column name (or position without a header). */
  label: string;
  columns: CsvColumn[];
  /** Whether the first non-blank line names the columns (default true). */
  header?: boolean;
  /** Field delimiter (default `,`). Fields may be quoted as in RFC 4180, within one line. */
  delimiter?: string;
  /** How `num` columns are scaled ({@link CSV_NUMERIC_SCALING} when absent). */
  scale?: NumericScaling;
}

/** How a CSV spec's `num` columns are scaled unless it says `scale=`: to [0, 1] (as DeepCTR's examples do). */
export const CSV_NUMERIC_SCALING: NumericScaling = 'minmax';

const DELIMS: Record<string, string> = { comma: ',', tab: '\t', semicolon: ';', pipe: '|', space: ' ' };
const KINDS: readonly string[] = ['cat', 'num', 'multi', 'skip'];

/** Parses the compact string form of a {@link CsvColumnSpec}; throws naming the bad entry. */
export function parseCsvSpec(text: string): CsvColumnSpec {
  return parseSpecText(text, 'parseCsvSpec', 'label');
}

/**
 * The columns of a side-feature file (user or item attributes, see `parseSideFeatures`): the
 * {@link CsvColumnSpec} grammar with `key=NAME`, the id column joined on, in place of `label=`.
 * Example: `"key=user,age:num,gender:cat,occupation:cat,zip:skip"`.
 */
export interface SideFeatureSpec {
  /** The id column's name (or position without a header). */
  key: string;
  columns: CsvColumn[];
  header?: boolean;
  delimiter?: string;
  scale?: NumericScaling;
}

/** Parses the compact string form of a {@link SideFeatureSpec}; throws naming the bad entry. */
export function parseSideFeatureSpec(text: string): SideFeatureSpec {
  const { label, ...rest } = parseSpecText(text, 'parseSideFeatureSpec', 'key');
  return { key: label, ...rest };
}

/** The one column a spec singles out: the numeric label of a data file, or the id of a side file. */
type SpecialColumn = 'label' | 'key';

/** The spec grammar; `role` names the special column (`label=` for data files, `key=` for side files). */
function parseSpecText(text: string, where: string, role: SpecialColumn): CsvColumnSpec {
  const spec: CsvColumnSpec = { label: '', columns: [] };
  for (const rawEntry of text.split(',')) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq >= 0) {
      const key = entry.slice(0, eq).trim();
      const value = entry.slice(eq + 1).trim();
      if (key === role) {
        if (value === '') throw new Error(`${where}: "${entry}": expected a column name after ${role}=`);
        spec.label = value;
      } else if (key === 'header') {
        if (['yes', 'true', '1'].includes(value)) spec.header = true;
        else if (['no', 'false', '0'].includes(value)) spec.header = false;
        else throw new Error(`${where}: "${entry}": expected header=yes or header=no`);
      } else if (key === 'delim' || key === 'delimiter') {
        const d = DELIMS[value] ?? (value.length === 1 ? value : undefined);
        if (d === undefined) throw new Error(`${where}: "${entry}": expected delim=comma|tab|semicolon|pipe|space or one character`);
        spec.delimiter = d;
      } else if (key === 'scale') {
        if (!(NUMERIC_SCALINGS as readonly string[]).includes(value)) throw new Error(`${where}: "${entry}": expected ${NUMERIC_SCALINGS.map((x) => `scale=${x}`).join(', ')}`);
        spec.scale = value as NumericScaling;
      } else {
        throw new Error(`${where}: "${entry}": unknown option "${key}", expected ${role}=, header=, delim= or scale=`);
      }
      continue;
    }
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) throw new Error(`${where}: "${entry}": expected NAME:cat|num|multi|skip`);
    const name = entry.slice(0, colon).trim();
    const kindText = entry.slice(colon + 1).trim();
    if (kindText.startsWith('multi')) {
      const sep = kindText.slice('multi'.length);
      spec.columns.push(sep === '' ? { name, kind: 'multi' } : { name, kind: 'multi', separator: sep });
    } else if (KINDS.includes(kindText)) {
      spec.columns.push({ name, kind: kindText as CsvColumnKind });
    } else {
      throw new Error(`${where}: "${entry}": unknown kind "${kindText}", expected cat | num | multi[SEP] | skip`);
    }
  }
  validateSpec(spec, where, role);
  return spec;
}

function validateSpec(spec: CsvColumnSpec, where: string, role: SpecialColumn = 'label'): void {
  if (!spec.label) throw new Error(`${where}: no ${role} column (add ${role}=NAME)`);
  const names = new Set<string>([spec.label]);
  for (const c of spec.columns) {
    if (!c.name) throw new Error(`${where}: a column has an empty name`);
    if (!KINDS.includes(c.kind)) throw new Error(`${where}: column "${c.name}" has kind "${String(c.kind)}", expected cat | num | multi | skip`);
    if (names.has(c.name)) throw new Error(`${where}: column "${c.name}" is listed twice (or is also the ${role})`);
    if (c.kind === 'multi' && c.separator === '') throw new Error(`${where}: column "${c.name}" has an empty multi separator`);
    names.add(c.name);
  }
  if (spec.header === false) {
    for (const n of names) {
      if (!/^\d+$/.test(n)) throw new Error(`${where}: without a header, columns are named by 0-based position; got "${n}"`);
    }
    const max = Math.max(...[...names].map(Number));
    for (let i = 0; i <= max; i++) {
      if (!names.has(String(i))) throw new Error(`${where}: column ${i} is not in the spec; list it (use ${i}:skip to ignore it)`);
    }
  }
  const delim = spec.delimiter ?? ',';
  if (delim.length === 0 || delim === '"') throw new Error(`${where}: delimiter must be non-empty and not a quote`);
}

interface Slot {
  kind: 'label' | CsvColumnKind;
  name: string;
  separator: string;
}

/**
 * Encoder fields for a CSV spec: `cat` → categorical, `num` → numeric (scaled as the spec's `scale`, default
 * {@link CSV_NUMERIC_SCALING}), `multi` → multi-hot (weights normalised); `skip` dropped.
 */
export function csvFieldConfigs(spec: Pick<CsvColumnSpec, 'columns' | 'scale'>): FieldConfig[] {
  const scale = spec.scale ?? CSV_NUMERIC_SCALING;
  return spec.columns.flatMap((c): FieldConfig[] => {
    if (c.kind === 'skip') return [];
    if (c.kind === 'num') return [{ name: c.name, kind: 'numeric', scale }];
    return [{ name: c.name, kind: c.kind === 'cat' ? 'categorical' : 'multi-hot' }];
  });
}

type MultiAcc = { offsets: Growable<Int32Array>; tokens: string[] };

/**
 * The row parser behind {@link parseCsv}: checks each row's fields against the spec and
 * accumulates columns until {@link take}. Text lines go through {@link line}; a reader of typed
 * files (Parquet) passes a header and rows of field texts through {@link header} and {@link values},
 * so both formats follow the same rules. @internal
 */
export class CsvRows {
  private readonly spec: CsvColumnSpec;
  private readonly delim: string;
  private readonly byName: Map<string, Slot>;
  private slots: Slot[] | undefined;
  private labels = new Growable(Float32Array);
  private nums = new Map<string, Growable<Float64Array>>();
  private cats = new Map<string, string[]>();
  private multis = new Map<string, MultiAcc>();
  private readonly rowNums: number[] = [];
  private readonly rowCats: string[] = [];
  private readonly rowMulti: string[][] = [];
  /** Rows accumulated since the last {@link take}. */
  rows = 0;

  /** Side-feature files (`role` 'key'): the special column's non-empty ids, row by row. */
  private keys: string[] = [];

  constructor(
    spec: CsvColumnSpec | string,
    private readonly bad: BadLines,
    /** `'label'` (default): the special column is a numeric label; `'key'`: a row id (side-feature files). */
    private readonly role: SpecialColumn = 'label',
  ) {
    this.spec = typeof spec === 'string' ? parseCsvSpec(spec) : spec;
    validateSpec(this.spec, role === 'key' ? 'parseSideFeatures' : 'parseCsv', role);
    this.delim = this.spec.delimiter ?? ',';
    this.byName = new Map<string, Slot>([[this.spec.label, { kind: 'label', name: this.spec.label, separator: '' }]]);
    for (const c of this.spec.columns) this.byName.set(c.name, { kind: c.kind, name: c.name, separator: c.separator ?? '|' });
    if (this.spec.header === false) this.slots = [...this.byName.values()].sort((a, b) => Number(a.name) - Number(b.name));
    this.reset();
  }

  private reset(): void {
    this.labels = new Growable(Float32Array);
    this.keys = [];
    this.nums = new Map();
    this.cats = new Map();
    this.multis = new Map();
    for (const c of this.spec.columns) {
      if (c.kind === 'num') this.nums.set(c.name, new Growable(Float64Array));
      else if (c.kind === 'cat') this.cats.set(c.name, []);
      else if (c.kind === 'multi') {
        const offsets = new Growable(Int32Array);
        offsets.push(0);
        this.multis.set(c.name, { offsets, tokens: [] });
      }
    }
    this.rows = 0;
  }

  /** True once the column order is known (a header was read, or the spec says there is none). */
  get hasHeader(): boolean {
    return this.slots !== undefined;
  }

  /** Sets the column order from header names; throws a {@link ParseError} naming line `no`. */
  header(names: readonly string[], no: number, line: string): void {
    this.slots = headerSlots(names, this.byName, this.bad.file, no, line);
  }

  /** Parses one text line (the header first, when the spec has one). */
  line(line: string, no: number): void {
    if (isBlank(line)) return;
    const bad = this.bad;
    let f: string[];
    try {
      f = splitCsvLine(line, this.delim);
    } catch (e) {
      if (!(e instanceof CsvLineError)) throw e;
      if (!this.slots) throw new ParseError(bad.file, no, `a header line: ${e.expected}`, line);
      bad.report(bad.error(no, e.expected, line));
      return;
    }
    if (!this.slots) {
      this.header(f, no, line);
      return;
    }
    this.values(f, no, line);
  }

  /**
   * One row of field texts in column order (a `multi` field may come already split into tokens);
   * `line` is what error messages quote. A bad row is reported to the {@link BadLines} policy.
   */
  values(f: readonly (string | readonly string[])[], no: number, line: string): void {
    const bad = this.bad;
    const slots = this.slots;
    if (!slots) throw new ParseError(bad.file, no, 'a header line', line);
    if (f.length !== slots.length) {
      const d = this.delim === '\t' ? 'tab' : this.delim;
      bad.report(bad.error(no, `${slots.length} ${d}-separated fields but found ${f.length}`, line));
      return;
    }
    // Validate the whole row before committing it, so a skipped row leaves no partial row.
    const { rowNums, rowCats, rowMulti } = this;
    rowNums.length = 0;
    rowCats.length = 0;
    rowMulti.length = 0;
    let label = NaN;
    let key = '';
    let error: ParseError | undefined;
    for (let i = 0; i < slots.length && !error; i++) {
      const s = slots[i] as Slot;
      const raw = f[i] as string | readonly string[];
      const v = typeof raw === 'string' ? raw : raw.join(s.separator);
      switch (s.kind) {
        case 'label':
          if (this.role === 'key') {
            key = v.trim();
            if (key === '') error = bad.error(no, `a non-empty id in key column "${s.name}"`, v);
            break;
          }
          label = toNumber(v);
          if (!Number.isFinite(label)) error = bad.error(no, `a numeric label in column "${s.name}"`, v);
          else if (!fitsFloat32(label)) error = bad.error(no, `a label ${FLOAT32_RANGE} in column "${s.name}"`, v);
          break;
        case 'num': {
          const x = toNumber(v);
          if (!Number.isFinite(x)) error = bad.error(no, `a number in column "${s.name}"`, v);
          else if (!fitsFloat32(x)) error = bad.error(no, `a number ${FLOAT32_RANGE} in column "${s.name}"`, v);
          else rowNums.push(x);
          break;
        }
        case 'cat':
          rowCats.push(v);
          break;
        case 'multi': {
          const toks = typeof raw !== 'string' ? [...raw] : v === '' ? [] : v.split(s.separator);
          if (toks.some((t) => t === '')) error = bad.error(no, `non-empty "${s.separator}"-separated tokens in column "${s.name}"`, v);
          else rowMulti.push(toks);
          break;
        }
        case 'skip':
          break;
      }
    }
    if (error) {
      bad.report(error);
      return;
    }
    if (this.role === 'key') this.keys.push(key);
    else this.labels.push(label);
    let ni = 0;
    let ci = 0;
    let mi = 0;
    for (const s of slots) {
      if (s.kind === 'num') (this.nums.get(s.name) as Growable<Float64Array>).push(rowNums[ni++] as number);
      else if (s.kind === 'cat') (this.cats.get(s.name) as string[]).push(rowCats[ci++] as string);
      else if (s.kind === 'multi') {
        const m = this.multis.get(s.name) as MultiAcc;
        for (const t of rowMulti[mi++] as string[]) m.tokens.push(t);
        m.offsets.push(m.tokens.length);
      }
    }
    this.rows++;
  }

  /**
   * The rows since the last take as a frame (`cat` → strings, `num` → Float64Array, `multi` → bags),
   * their labels (role 'label') or keys (role 'key'); starts afresh.
   */
  take(): { frame: Frame; labels: Float32Array; keys: string[] } {
    const columns: Record<string, Column> = {};
    for (const c of this.spec.columns) {
      if (c.kind === 'num') columns[c.name] = (this.nums.get(c.name) as Growable<Float64Array>).build();
      else if (c.kind === 'cat') columns[c.name] = this.cats.get(c.name) as string[];
      else if (c.kind === 'multi') {
        const m = this.multis.get(c.name) as MultiAcc;
        columns[c.name] = { kind: 'multi-hot', offsets: m.offsets.build(), tokens: m.tokens };
      }
    }
    const out = { frame: { length: this.rows, columns }, labels: this.labels.build(), keys: this.keys };
    this.reset();
    return out;
  }
}

/**
 * Parses a CSV file into a raw {@link Frame} and labels, following `spec` (an object or its
 * compact string form, see {@link CsvColumnSpec}). `cat` columns become arrays of the raw strings
 * (an empty field is the key `""`), `num` columns Float64Arrays, `multi` columns multi-hot columns
 * (an empty field is an empty bag). Errors name file:line and the column: wrong field count, an
 * empty or non-numeric label or number, an empty token inside a bag, an unterminated quote.
 */
export async function parseCsv(
  lines: LineSource,
  specIn: CsvColumnSpec | string,
  opts?: LoadOptions,
): Promise<{ frame: Frame; labels: Float32Array; skipped: number; errors: string[] }> {
  const bad = new BadLines(opts);
  const parser = new CsvRows(specIn, bad);
  await forEachLine(lines, (line, no) => parser.line(line, no));
  if (!parser.hasHeader) throw new ParseError(bad.file, 1, 'a header line', '');
  const { frame, labels } = parser.take();
  return { frame, labels, skipped: bad.skipped, errors: bad.errors };
}

/**
 * Reads a CSV file by a spec whose special column is a numeric label (`role` `'label'`) or a
 * non-empty id key (`'key'`, side-feature files). @internal shared by `parseCsv` and
 * `parseSideFeatures`.
 */
export async function readCsv(
  lines: LineSource,
  spec: CsvColumnSpec,
  opts: LoadOptions | undefined,
  role: SpecialColumn,
): Promise<{ frame: Frame; labels: Float32Array; keys: string[]; skipped: number; errors: string[] }> {
  const bad = new BadLines(opts);
  const parser = new CsvRows(spec, bad, role);
  await forEachLine(lines, (line, no) => parser.line(line, no));
  if (!parser.hasHeader) throw new ParseError(bad.file, 1, 'a header line', '');
  return { ...parser.take(), skipped: bad.skipped, errors: bad.errors };
}

function headerSlots(f: readonly string[], byName: Map<string, Slot>, file: string, no: number, line: string): Slot[] {
  const seen = new Set<string>();
  const slots = f.map((raw) => {
    const name = raw.trim();
    if (seen.has(name)) throw new ParseError(file, no, `distinct column names in the header ("${name}" repeats)`, line);
    seen.add(name);
    const s = byName.get(name);
    if (!s) throw new ParseError(file, no, `only columns named in the spec (add "${name}:skip" to ignore "${name}")`, line);
    return s;
  });
  for (const name of byName.keys()) {
    if (!seen.has(name)) throw new ParseError(file, no, `a header naming column "${name}" from the spec`, line);
  }
  return slots;
}
