import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Interactions, ItemInfo, UserInfo } from '../interactions.js';
import type { LoadOptions } from '../parse-error.js';
import type { SparseDataset } from '../sparse-dataset.js';
import type { Encoder } from '../encoder.js';
import type { Frame } from '../frame.js';
import { LINE_CHUNKS, stripBom, type ChunkedLineSource } from '../line-source.js';
import { parseCsv, type CsvColumnSpec, type SideFeatureSpec } from './csv.js';
import { parseSideFeatures, type SideFeatures } from '../side-features.js';
import { parseLibffm, type LibffmOptions } from './libffm.js';
import { parseLibsvm, type LibsvmOptions, type LibsvmResult } from './libsvm.js';
import { sniffTextFormat, type SniffedFormat } from './sniff.js';
import {
  parseMovieLensItems,
  parseMovieLensRatings,
  parseMovieLensUsers,
  type MovieLensItemsFormat,
  type MovieLensRatingsFormat,
  type MovieLensUsersFormat,
} from './movielens.js';

/** A read error that names the file: `PATH: is a directory, expected a file`, `PATH: no such file`. */
function readError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EISDIR' ? 'is a directory, expected a file' : code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? (e as Error).message})`;
  return new Error(`${path}: ${why}`, { cause: e });
}

/** Lines of a file as {@link readLines} streams them, with the bytes read so far (for progress). */
export interface FileLineSource extends AsyncIterable<string> {
  /** Bytes of the file read so far by the current walk (reads run up to 1 MiB ahead of the lines handed out). */
  readonly bytesRead: number;
}

/** Lines of a file, read as a stream in chunks of about 1 MiB. */
class FileLines implements FileLineSource, ChunkedLineSource {
  private stream: ReturnType<typeof createReadStream> | undefined;

  constructor(
    private readonly path: string,
    private readonly encoding: 'utf8' | 'latin1',
    private readonly signal: AbortSignal | undefined,
  ) {}

  get bytesRead(): number {
    return this.stream?.bytesRead ?? 0;
  }

  async *[LINE_CHUNKS](): AsyncGenerator<string[]> {
    const stream = createReadStream(this.path, { encoding: this.encoding, highWaterMark: 1 << 20 });
    this.stream = stream;
    let rest = '';
    try {
      for await (const chunk of stream as AsyncIterable<string>) {
        this.signal?.throwIfAborted();
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() as string;
        if (parts.length > 0) yield parts;
      }
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw readError(this.path, e);
    } finally {
      stream.destroy();
    }
    if (rest !== '') yield [rest];
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    let first = true;
    for await (const chunk of this[LINE_CHUNKS]()) {
      for (let line of chunk) {
        if (first) line = stripBom(line);
        first = false;
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
      }
    }
  }
}

/**
 * Streams a text file line by line, so large files never sit in memory whole; `\r\n` endings
 * are handled, a byte order mark is dropped and a trailing newline gives no extra line. ML-100K and
 * ML-1M files are latin1. The loaders read it chunk by chunk (one `await` per ~1 MiB, not per line).
 * Errors name the file; an aborted `signal` stops the reading at the next chunk (with its reason).
 */
export function readLines(path: string, encoding: 'utf8' | 'latin1' = 'utf8', signal?: AbortSignal): FileLineSource {
  return new FileLines(path, encoding, signal);
}

/** The first `maxLines` lines of a file (at most its first 64 KiB), for sniffing its format. */
export async function headLines(path: string, maxLines = 20): Promise<string[]> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const lines = buf.subarray(0, bytesRead).toString('latin1').split('\n');
    if (bytesRead === buf.length) lines.pop(); // cut mid-line
    return lines.slice(0, maxLines);
  } catch (e) {
    throw readError(path, e);
  } finally {
    await fh?.close();
  }
}

/** The format of a data file told from its first lines ({@link sniffTextFormat}); errors name the file. */
export async function sniffFile(path: string): Promise<SniffedFormat | undefined> {
  return sniffTextFormat(await headLines(path));
}

/** Options of {@link loadMovieLens}. */
export interface LoadMovieLensOptions extends Omit<LoadOptions, 'file'> {
  /**
   * The ratings layout, whatever the file is named (`u.data` tabs, `ratings.dat` `::`, `ratings.csv`).
   * Default: from the name, else told from the content (so `train.tsv` written by a split loads).
   */
  layout?: MovieLensRatingsFormat;
  /** Stops reading at the next chunk when aborted. */
  signal?: AbortSignal;
  /** Also read the items file from the same folder when present (default true). */
  items?: boolean;
  /** Also read the users file from the same folder when present (default true). */
  users?: boolean;
}

/** What {@link loadMovieLens} found. */
export interface MovieLensData {
  interactions: Interactions;
  items?: Map<number, ItemInfo>;
  users?: Map<number, UserInfo>;
  /** Layout of the ratings file read. */
  format: MovieLensRatingsFormat;
  /** The ratings file read. */
  ratingsFile: string;
  skipped: number;
  errors: string[];
}

const LAYOUTS: Record<MovieLensRatingsFormat, { items: MovieLensItemsFormat; users?: MovieLensUsersFormat; encoding: 'utf8' | 'latin1' }> = {
  'u.data': { items: 'u.item', users: 'u.user', encoding: 'latin1' },
  'ratings.dat': { items: 'movies.dat', users: 'users.dat', encoding: 'latin1' },
  'ratings.csv': { items: 'movies.csv', encoding: 'utf8' },
};

/** The ratings layout of a MovieLens file name, or undefined. */
function formatOfName(name: string): MovieLensRatingsFormat | undefined {
  if (name === 'u.data' || /^u[a-z0-9]*\.(base|test)$/.test(name)) return 'u.data';
  if (name === 'ratings.dat') return 'ratings.dat';
  if (name === 'ratings.csv') return 'ratings.csv';
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Loads a MovieLens release. `pathOrDir` is either a ratings file — `u.data`, a 100K split file
 * (`ua.base`, `ua.test`, `u1.base` … `u5.test`, `ub.*`), `ratings.dat` (1M) or `ratings.csv`
 * (20M/25M/latest) — or a folder holding one of `u.data`, `ratings.dat`, `ratings.csv`. The items
 * file (`u.item`, `movies.dat`, `movies.csv`) and users file (`u.user`, `users.dat`) next to it are
 * read when present. 100K and 1M files are read as latin1, CSV as UTF-8.
 */
export async function loadMovieLens(pathOrDir: string, opts: LoadMovieLensOptions = {}): Promise<MovieLensData> {
  let st;
  try {
    st = await stat(pathOrDir);
  } catch {
    throw new Error(`loadMovieLens: ${pathOrDir}: no such file or folder`);
  }
  let ratingsFile: string;
  let format: MovieLensRatingsFormat;
  if (st.isDirectory()) {
    const names = new Set(await readdir(pathOrDir));
    const found = (['u.data', 'ratings.dat', 'ratings.csv'] as const).find((n) => names.has(n));
    if (!found) {
      throw new Error(`loadMovieLens: ${pathOrDir}: expected a MovieLens folder holding u.data, ratings.dat or ratings.csv`);
    }
    format = found;
    ratingsFile = join(pathOrDir, found);
  } else {
    let f = opts.layout ?? formatOfName(basename(pathOrDir));
    if (!f) {
      const sniffed = await sniffFile(pathOrDir);
      if (sniffed?.format === 'movielens') f = sniffed.layout;
    }
    if (!f) {
      throw new Error(
        `loadMovieLens: ${pathOrDir}: expected MovieLens ratings (user<TAB>item<TAB>rating<TAB>timestamp, user::item::rating::timestamp, or userId,movieId,rating,timestamp), or a file named u.data, ua.base/u1.test…, ratings.dat or ratings.csv`,
      );
    }
    format = f;
    ratingsFile = pathOrDir;
  }
  const dir = dirname(ratingsFile);
  const layout = LAYOUTS[format];
  const { interactions, skipped, errors } = await parseMovieLensRatings(readLines(ratingsFile, layout.encoding, opts.signal), format, {
    ...opts,
    file: ratingsFile,
  });
  const out: MovieLensData = { interactions, format, ratingsFile, skipped, errors };
  const itemsPath = join(dir, layout.items);
  if (opts.items !== false && (await exists(itemsPath))) {
    out.items = await parseMovieLensItems(readLines(itemsPath, layout.encoding), layout.items, { ...opts, file: itemsPath });
  }
  if (layout.users && opts.users !== false) {
    const usersPath = join(dir, layout.users);
    if (await exists(usersPath)) {
      out.users = await parseMovieLensUsers(readLines(usersPath, layout.encoding), layout.users, { ...opts, file: usersPath });
    }
  }
  return out;
}

/** Options of the file loaders: {@link LoadOptions} without `file` (the path names the file), and a stop signal. */
type FileLoadOptions<O> = Omit<O, 'file'> & { signal?: AbortSignal };

/** Reads a libsvm/libFM file with {@link parseLibsvm}; messages name `path`. */
export function loadLibsvm(path: string, opts: FileLoadOptions<LibsvmOptions> = {}): Promise<LibsvmResult> {
  return parseLibsvm(readLines(path, 'utf8', opts.signal), { ...opts, file: path });
}

/** Reads a libffm file with {@link parseLibffm}; messages name `path`. */
export function loadLibffm(
  path: string,
  opts: FileLoadOptions<LibffmOptions> = {},
): Promise<{ dataset: SparseDataset; encoder: Encoder; skipped: number; errors: string[] }> {
  return parseLibffm(readLines(path, 'utf8', opts.signal), { ...opts, file: path });
}

/** Reads a CSV file with {@link parseCsv} (spec as an object or its compact string); messages name `path`. */
export function loadCsv(
  path: string,
  spec: CsvColumnSpec | string,
  opts: FileLoadOptions<LoadOptions> = {},
): Promise<{ frame: Frame; labels: Float32Array; skipped: number; errors: string[] }> {
  return parseCsv(readLines(path, 'utf8', opts.signal), spec, { ...opts, file: path });
}

/** Reads a side-feature CSV file with {@link parseSideFeatures} (spec as an object or its compact string); messages name `path`. */
export function loadSideFeatures(
  path: string,
  spec: SideFeatureSpec | string,
  opts: Omit<LoadOptions, 'file'> = {},
): Promise<{ features: SideFeatures; skipped: number; errors: string[] }> {
  return parseSideFeatures(readLines(path), spec, { ...opts, file: path });
}
