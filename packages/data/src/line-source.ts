/**
 * Lines of text to parse: an array, a generator, or an async stream such as `readLines(path)` from
 * `@fm/data/node`. Lines may keep a trailing `\r` (Windows line endings); parsers strip it.
 */
export type LineSource = Iterable<string> | AsyncIterable<string>;

/**
 * Splits an in-memory text into lines on `\n` or `\r\n`. A trailing newline does not produce an
 * extra line. Use it to parse a string or a fetched file in the browser.
 */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Key of an optional method on a line source that yields lines in arrays (chunks), so a parser
 * pays one `await` per chunk instead of one per line. `readLines` in `@fm/data/node` provides it.
 * @internal
 */
export const LINE_CHUNKS: unique symbol = Symbol.for('fm.lineChunks') as never;

/** A line source that can also hand out its lines chunk by chunk. @internal */
export interface ChunkedLineSource {
  [LINE_CHUNKS](): AsyncIterable<string[]>;
}

function strip(raw: string): string {
  return raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
}

/** A UTF-8 byte order mark, as decoded from UTF-8 and from latin1. */
const BOMS = ['\uFEFF', '\u00EF\u00BB\u00BF'];

/** The first line of a file without a leading byte order mark (Windows editors add one). @internal */
export function stripBom(line: string): string {
  for (const b of BOMS) if (line.startsWith(b)) return line.slice(b.length);
  return line;
}

/**
 * Calls `fn` for every line of any {@link LineSource} with its 1-based line number, a trailing
 * `\r` removed and a byte order mark at the start of the first line dropped. Synchronous sources
 * are read without any `await` per line; chunked sources with one per chunk. @internal used by the
 * loaders.
 */
export async function forEachLine(source: LineSource, fn: (line: string, lineNo: number) => void): Promise<void> {
  let n = 0;
  const chunks = (source as Partial<ChunkedLineSource>)[LINE_CHUNKS];
  if (typeof chunks === 'function') {
    for await (const chunk of chunks.call(source)) for (const raw of chunk) fn(n === 0 ? stripBom(strip(raw)) : strip(raw), ++n);
  } else if (Symbol.asyncIterator in source) {
    for await (const raw of source as AsyncIterable<string>) fn(n === 0 ? stripBom(strip(raw)) : strip(raw), ++n);
  } else {
    for (const raw of source as Iterable<string>) fn(n === 0 ? stripBom(strip(raw)) : strip(raw), ++n);
  }
}

/** True for a line holding only whitespace. @internal */
export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}
