import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Interactions, ItemInfo, UserInfo } from '../interactions.js';
import type { LoadOptions } from '../parse-error.js';
import type { SparseDataset } from '../sparse-dataset.js';
import type { Encoder } from '../encoder.js';
import type { Frame } from '../frame.js';
import { LINE_CHUNKS, type ChunkedLineSource } from '../line-source.js';
import { parseCsv, type CsvColumnSpec, type SideFeatureSpec } from './csv.js';
import { parseSideFeatures, type SideFeatures } from '../side-features.js';
import { parseLibffm, type LibffmOptions } from './libffm.js';
import { parseLibsvm, type LibsvmOptions } from './libsvm.js';
import {
  parseMovieLensItems,
  parseMovieLensRatings,
  parseMovieLensUsers,
  type MovieLensItemsFormat,
  type MovieLensRatingsFormat,
  type MovieLensUsersFormat,
} from './movielens.js';

/** Lines of a file, read as a stream in chunks of about 1 MiB. */
class FileLines implements AsyncIterable<string>, ChunkedLineSource {
  constructor(
    private readonly path: string,
    private readonly encoding: 'utf8' | 'latin1',
  ) {}

  async *[LINE_CHUNKS](): AsyncGenerator<string[]> {
    const stream = createReadStream(this.path, { encoding: this.encoding, highWaterMark: 1 << 20 });
    let rest = '';
    try {
      for await (const chunk of stream as AsyncIterable<string>) {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() as string;
        if (parts.length > 0) yield parts;
      }
    } finally {
      stream.destroy();
    }
    if (rest !== '') yield [rest];
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for await (const chunk of this[LINE_CHUNKS]()) {
      for (const line of chunk) yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
  }
}

/**
 * Streams a text file line by line, so large files never sit in memory whole; `\r\n` endings
 * are handled and a trailing newline gives no extra line. ML-100K and ML-1M files are latin1.
 * The loaders read it chunk by chunk (one `await` per ~1 MiB, not per line).
 */
export function readLines(path: string, encoding: 'utf8' | 'latin1' = 'utf8'): AsyncIterable<string> {
  return new FileLines(path, encoding);
}

/** Options of {@link loadMovieLens}. */
export interface LoadMovieLensOptions extends Omit<LoadOptions, 'file'> {
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
    const f = formatOfName(basename(pathOrDir));
    if (!f) {
      throw new Error(
        `loadMovieLens: ${pathOrDir}: expected a MovieLens ratings file named u.data, ua.base/ua.test/u1.base…, ratings.dat or ratings.csv`,
      );
    }
    format = f;
    ratingsFile = pathOrDir;
  }
  const dir = dirname(ratingsFile);
  const layout = LAYOUTS[format];
  const { interactions, skipped, errors } = await parseMovieLensRatings(readLines(ratingsFile, layout.encoding), format, {
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

/** Reads a libsvm/libFM file with {@link parseLibsvm}; messages name `path`. */
export function loadLibsvm(
  path: string,
  opts: Omit<LibsvmOptions, 'file'> = {},
): Promise<{ dataset: SparseDataset; skipped: number; errors: string[] }> {
  return parseLibsvm(readLines(path), { ...opts, file: path });
}

/** Reads a libffm file with {@link parseLibffm}; messages name `path`. */
export function loadLibffm(
  path: string,
  opts: Omit<LibffmOptions, 'file'> = {},
): Promise<{ dataset: SparseDataset; encoder: Encoder; skipped: number; errors: string[] }> {
  return parseLibffm(readLines(path), { ...opts, file: path });
}

/** Reads a CSV file with {@link parseCsv} (spec as an object or its compact string); messages name `path`. */
export function loadCsv(
  path: string,
  spec: CsvColumnSpec | string,
  opts: Omit<LoadOptions, 'file'> = {},
): Promise<{ frame: Frame; labels: Float32Array; skipped: number; errors: string[] }> {
  return parseCsv(readLines(path), spec, { ...opts, file: path });
}

/** Reads a side-feature CSV file with {@link parseSideFeatures} (spec as an object or its compact string); messages name `path`. */
export function loadSideFeatures(
  path: string,
  spec: SideFeatureSpec | string,
  opts: Omit<LoadOptions, 'file'> = {},
): Promise<{ features: SideFeatures; skipped: number; errors: string[] }> {
  return parseSideFeatures(readLines(path), spec, { ...opts, file: path });
}
