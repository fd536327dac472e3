import { stripBom } from '../line-source.js';
import type { MovieLensRatingsFormat } from './movielens.js';

/** A text format told from a file's first lines. */
export type SniffedFormat =
  | { format: 'movielens'; layout: MovieLensRatingsFormat }
  | { format: 'libfm' }
  | { format: 'libffm' }
  | { format: 'csv' };

const NUM = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const INT = /^[-+]?\d+$/;

function isRatingRow(f: string[]): boolean {
  return f.length === 4 && INT.test(f[0]!.trim()) && INT.test(f[1]!.trim()) && NUM.test(f[2]!.trim()) && NUM.test(f[3]!.trim());
}

function sniffLine(line: string): SniffedFormat | undefined {
  if (line.includes('::') && isRatingRow(line.split('::'))) return { format: 'movielens', layout: 'ratings.dat' };
  if (line.includes('\t') && isRatingRow(line.split('\t'))) return { format: 'movielens', layout: 'u.data' };
  if (/^userId,movieId,rating,timestamp\s*$/.test(line) || isRatingRow(line.split(','))) return { format: 'movielens', layout: 'ratings.csv' };
  const tokens = line.trim().split(/\s+/);
  if (tokens.length >= 1 && NUM.test(tokens[0] as string)) {
    const rest = tokens.slice(1);
    if (rest.length > 0 && rest.every((t) => /^-?\d+:[^:]+$/.test(t))) return { format: 'libfm' };
    if (rest.length > 0 && rest.every((t) => /^-?\d+:-?\d+:[^:]+$/.test(t))) return { format: 'libffm' };
    if (rest.length === 0) return undefined; // a label-only row fits libsvm and libffm alike
  }
  if (line.includes(',')) return { format: 'csv' };
  return undefined;
}

function sameFormat(a: SniffedFormat, b: SniffedFormat): boolean {
  if (a.format === 'movielens' && b.format === 'movielens') return a.layout === b.layout;
  return a.format === b.format;
}

/**
 * Tells the format of a data file from its first lines (blank lines skipped, a byte order mark
 * dropped), for files whose name says nothing: MovieLens ratings (`user\titem\trating\tts`,
 * `user::item::rating::ts`, `userId,movieId,rating,timestamp` with or without that header),
 * libsvm/libFM (`label idx:val …`), libffm (`label field:idx:val …`), or other CSV. Returns undefined
 * when the lines fit none of them, or disagree.
 */
export function sniffTextFormat(lines: readonly string[]): SniffedFormat | undefined {
  let found: SniffedFormat | undefined;
  let first = true;
  for (const raw of lines) {
    const line = first ? stripBom(raw) : raw;
    first = false;
    if (line.trim() === '') continue;
    const f = sniffLine(line.replace(/\r$/, ''));
    if (f === undefined) {
      if (found?.format === 'libfm' || found?.format === 'libffm') continue; // label-only rows
      return undefined;
    }
    if (found === undefined) found = f;
    else if (!sameFormat(found, f)) return undefined;
  }
  return found;
}
