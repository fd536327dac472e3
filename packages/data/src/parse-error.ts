/** How far a quoted offending text is shown in messages before it is cut. */
const MAX_GOT = 120;

/**
 * A malformed input line. The message reads `${file}:${line}: expected …, got "…"`, naming the
 * file, the 1-based line number, what was expected and the offending text.
 */
export class ParseError extends Error {
  /** File name as given by {@link LoadOptions.file} (or `<input>`). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** What the parser expected, e.g. `a finite rating`. */
  readonly expected: string;
  /** The offending text (a field, a token, or the whole line). */
  readonly got: string;

  constructor(file: string, line: number, expected: string, got: string) {
    const shown = got.length > MAX_GOT ? `${got.slice(0, MAX_GOT)}…` : got;
    super(`${file}:${line}: expected ${expected}, got "${shown}"`);
    this.name = 'ParseError';
    this.file = file;
    this.line = line;
    this.expected = expected;
    this.got = got;
  }
}

/** Options shared by every loader. */
export interface LoadOptions {
  /** File name used in error messages (default `<input>`; the Node loaders pass the path). */
  file?: string;
  /** When true, malformed lines are counted, reported and skipped; when false (default) the first one throws. */
  skipBadLines?: boolean;
  /** Called with each skipped line's error (only when `skipBadLines` is on). */
  onSkip?: (e: ParseError) => void;
}

/** What a loader reports about skipped lines. */
export interface SkipReport {
  /** Number of malformed lines skipped (0 unless `skipBadLines` is on). */
  skipped: number;
  /** Messages of the first {@link MAX_REPORTED_ERRORS} skipped lines. */
  errors: string[];
}

/** How many skipped-line messages a loader keeps in {@link SkipReport.errors}. */
export const MAX_REPORTED_ERRORS = 10;

/**
 * Applies the {@link LoadOptions} policy to bad lines: throw, or count and record.
 * @internal used by the loaders.
 */
export class BadLines implements SkipReport {
  skipped = 0;
  errors: string[] = [];
  readonly file: string;
  private readonly skip: boolean;
  private readonly onSkip: ((e: ParseError) => void) | undefined;

  constructor(opts: LoadOptions | undefined, defaultFile = '<input>') {
    this.file = opts?.file ?? defaultFile;
    this.skip = opts?.skipBadLines ?? false;
    this.onSkip = opts?.onSkip;
  }

  /** Builds the error for a line. */
  error(line: number, expected: string, got: string): ParseError {
    return new ParseError(this.file, line, expected, got);
  }

  /** Throws `e`, or records it when skipping is on. */
  report(e: ParseError): void {
    if (!this.skip) throw e;
    this.skipped++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(e.message);
    this.onSkip?.(e);
  }
}

/** A strict number: empty or whitespace-only text gives NaN (unlike `Number('')`, which is 0). @internal */
export function toNumber(s: string): number {
  if (s.length === 0) return NaN;
  const v = Number(s);
  return v === 0 && s.trim().length === 0 ? NaN : v;
}

/** Largest finite float32; datasets hold labels and values as float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** True for a finite number that float32 can hold (|x| ≤ 3.4e38): larger ones would become ±Infinity. @internal */
export function fitsFloat32(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX;
}

/** What a loader says about a number outside float32 range. @internal */
export const FLOAT32_RANGE = 'within float32 range (|x| ≤ 3.4e38)';

/** A strict 32-bit integer, or NaN. @internal */
export function toInt32(s: string): number {
  const v = toNumber(s);
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : NaN;
}

/**
 * Splits a labelled sparse line (`label tok tok …`, as libsvm/libFM and libffm write) into its tokens
 * and label; reports a missing or non-numeric label to `bad` (naming `tokenShape`, e.g. "idx:val")
 * and returns undefined for such a line. @internal
 */
export function labelledTokens(line: string, no: number, bad: BadLines, tokenShape: string): { tokens: string[]; label: number } | undefined {
  const tokens = line.trim().split(/\s+/);
  const first = tokens[0] as string;
  const label = first.includes(':') ? NaN : toNumber(first);
  if (!fitsFloat32(label)) {
    const why = first.includes(':') ? `a label before the ${tokenShape} tokens` : Number.isFinite(label) ? `a label ${FLOAT32_RANGE}` : 'a numeric label';
    bad.report(bad.error(no, why, first));
    return undefined;
  }
  return { tokens, label };
}
