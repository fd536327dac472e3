import {
  FieldSchema,
  ParseError,
  parseLibsvm,
  parseMovieLensItems,
  parseMovieLensRatings,
  SparseDataset,
  splitLines,
  type Interactions,
  type ItemInfo,
} from '@fm/data';

/** The file formats the page reads. */
export type FileFormat = 'u.data' | 'ratings.dat' | 'ratings.csv' | 'libfm' | 'u.item' | 'movies.dat' | 'movies.csv';

/** A file as the worker receives it. */
export interface InputFile {
  name: string;
  bytes: ArrayBuffer;
}

/** A parsed ratings file, ready to post back (typed arrays are transferable). */
export type ParsedFile =
  | { kind: 'interactions'; name: string; format: FileFormat; interactions: Interactions; items?: [number, ItemInfo][] }
  | {
      kind: 'dataset';
      name: string;
      format: FileFormat;
      schema: unknown;
      labels: Float32Array;
      offsets: Int32Array;
      ids: Int32Array;
      values: Float32Array;
    };

/** A failure with the file and 1-based line when a line was at fault. */
export interface ParseFailure {
  message: string;
  file?: string;
  line?: number;
}

/**
 * Guesses a file's format from its name, then from its first non-blank line: MovieLens-100K `u.data`
 * (tab-separated, also `ua.base`, `u1.test`), ML-1M `ratings.dat` (`::`), ML-latest `ratings.csv`
 * (`userId,movieId,…` header), item files (`u.item`, `movies.dat`, `movies.csv`) for titles, and
 * libsvm/libFM (`label idx:val …`).
 */
export function detectFormat(name: string, firstLine: string): FileFormat {
  const base = name.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  if (base === 'u.item') return 'u.item';
  if (base === 'movies.dat') return 'movies.dat';
  if (base === 'movies.csv') return 'movies.csv';
  if (base === 'ratings.dat') return 'ratings.dat';
  if (base === 'ratings.csv') return 'ratings.csv';
  if (base === 'u.data' || /^u[a-z0-9]*\.(base|test)$/.test(base)) return 'u.data';
  if (/\.(libfm|libsvm|svm)$/.test(base)) return 'libfm';
  const line = firstLine.trim();
  if (line.startsWith('userId,movieId')) return 'ratings.csv';
  if (line.startsWith('movieId,title')) return 'movies.csv';
  if (line.includes('::')) return 'ratings.dat';
  if (line.includes('\t')) return 'u.data';
  if (/^\S+(\s+\d+:\S+)+$/.test(line)) return 'libfm';
  throw new Error(
    `${name}: cannot tell the format from the name or the first line "${line.slice(0, 60)}"; expected u.data (tab-separated), ratings.dat (::), ratings.csv (userId,movieId,… header) or libFM (label idx:val …)`,
  );
}

function decode(f: InputFile, latin1: boolean): string {
  return new TextDecoder(latin1 ? 'latin1' : 'utf-8').decode(f.bytes);
}

/**
 * Parses the dropped files with the @fm/data parsers: exactly one ratings file (MovieLens or libFM)
 * plus optionally an item file whose titles label the items. Malformed lines throw a
 * {@link ParseError} naming file:line.
 */
export async function parseFiles(files: readonly InputFile[]): Promise<ParsedFile> {
  if (files.length === 0) throw new Error('no file given');
  let ratings: { file: InputFile; format: FileFormat } | undefined;
  let items: Map<number, ItemInfo> | undefined;
  for (const f of files) {
    const latin1 = f.name.toLowerCase().endsWith('u.item');
    const text = decode(f, latin1);
    const lines = splitLines(text);
    const first = lines.find((l) => l.trim() !== '') ?? '';
    if (first === '') throw new Error(`${f.name}: the file is empty`);
    const format = detectFormat(f.name, first);
    if (format === 'u.item' || format === 'movies.dat' || format === 'movies.csv') {
      items = await parseMovieLensItems(lines, format, { file: f.name });
      continue;
    }
    if (ratings) throw new Error(`two ratings files given (${ratings.file.name}, ${f.name}); give one, plus optionally an item file`);
    ratings = { file: f, format };
  }
  if (!ratings) throw new Error('only an item file was given; add a ratings file (u.data, ratings.dat, ratings.csv or libFM)');
  const { file, format } = ratings;
  const lines = splitLines(decode(file, false));
  if (format === 'libfm') {
    const { dataset } = await parseLibsvm(lines, { file: file.name });
    return {
      kind: 'dataset',
      name: file.name,
      format,
      schema: dataset.schema.toJSON(),
      labels: dataset.labels,
      offsets: dataset.offsets,
      ids: dataset.ids,
      values: dataset.values,
    };
  }
  const { interactions } = await parseMovieLensRatings(lines, format as 'u.data' | 'ratings.dat' | 'ratings.csv', { file: file.name });
  if (interactions.length === 0) throw new Error(`${file.name}: no ratings found`);
  return { kind: 'interactions', name: file.name, format, interactions, ...(items ? { items: [...items.entries()] } : {}) };
}

/** Turns any thrown value into a {@link ParseFailure}, keeping file and line of a ParseError. */
export function toFailure(e: unknown): ParseFailure {
  if (e instanceof ParseError) return { message: e.message, file: e.file, line: e.line };
  const message = e instanceof Error ? e.message : String(e);
  const m = /^(.+?):(\d+): /.exec(message);
  return m ? { message, file: m[1] as string, line: Number(m[2]) } : { message };
}

/** Rebuilds the SparseDataset of a posted libFM result. */
export function datasetOf(p: Extract<ParsedFile, { kind: 'dataset' }>): SparseDataset {
  return new SparseDataset({ schema: FieldSchema.fromJSON(p.schema), labels: p.labels, offsets: p.offsets, ids: p.ids, values: p.values });
}

/** The transferable buffers of a result (so posting it moves rather than copies them). */
export function transferablesOf(p: ParsedFile): ArrayBuffer[] {
  const arrays =
    p.kind === 'interactions'
      ? [p.interactions.user, p.interactions.item, p.interactions.rating, p.interactions.timestamp]
      : [p.labels, p.offsets, p.ids, p.values];
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  return [...out];
}
