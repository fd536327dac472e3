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

/** Lines per batch when a synchronous source is cut into batches. */
const SYNC_BATCH = 65_536;

/**
 * The lines of any {@link LineSource} in batches (arrays, trailing `\r` removed, a byte order mark
 * at the start of the first line dropped) with the 1-based number of each batch's first line: one
 * `await` per batch, so a streaming consumer can pause between batches (write a shard) without
 * paying per line. @internal used by the loaders.
 */
export async function* lineBatches(source: LineSource): AsyncGenerator<{ lines: string[]; first: number }> {
  for await (const b of rawLineBatches(source)) {
    if (b.first === 1 && b.lines.length > 0) b.lines[0] = stripBom(b.lines[0] as string);
    yield b;
  }
}

async function* rawLineBatches(source: LineSource): AsyncGenerator<{ lines: string[]; first: number }> {
  let n = 1;
  const chunks = (source as Partial<ChunkedLineSource>)[LINE_CHUNKS];
  if (typeof chunks === 'function') {
    for await (const chunk of chunks.call(source)) {
      const lines = chunk.map(strip);
      yield { lines, first: n };
      n += lines.length;
    }
    return;
  }
  let batch: string[] = [];
  const it: Iterable<string> | AsyncIterable<string> = source;
  if (Symbol.asyncIterator in it) {
    for await (const raw of it) {
      batch.push(strip(raw));
      if (batch.length === SYNC_BATCH) {
        yield { lines: batch, first: n };
        n += batch.length;
        batch = [];
      }
    }
  } else {
    for (const raw of it) {
      batch.push(strip(raw));
      if (batch.length === SYNC_BATCH) {
        yield { lines: batch, first: n };
        n += batch.length;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield { lines: batch, first: n };
}

/**
 * Calls `fn` for every line of any {@link LineSource} with its 1-based line number, a trailing
 * `\r` and a leading byte order mark removed (read through {@link lineBatches}). @internal used by the loaders.
 */
export async function forEachLine(source: LineSource, fn: (line: string, lineNo: number) => void): Promise<void> {
  for await (const { lines, first } of lineBatches(source)) {
    for (let i = 0; i < lines.length; i++) fn(lines[i] as string, first + i);
  }
}

/** True for a line holding only whitespace. @internal */
export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}
