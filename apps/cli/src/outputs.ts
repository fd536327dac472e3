import { datasetToIPC, type Encoder, type Interactions, type ItemInfo, type SparseDataset } from '@fm/data';
import { writeFileAtomic } from './atomic.js';
import { encoderSidecar, titlesSidecar } from './inputs.js';

/**
 * Writes an encoded dataset as `.arrow` (atomically), with `X.encoder.json` beside it when an
 * encoder is given and `X.items.json` (item titles) when titles are. Returns the paths written.
 */
export async function writeDataset(
  path: string,
  ds: SparseDataset,
  side: { encoder?: Encoder; titles?: Map<number, string> } = {},
): Promise<string[]> {
  const written = [path];
  await writeFileAtomic(path, datasetToIPC(ds));
  if (side.encoder) {
    const p = encoderSidecar(path);
    await writeFileAtomic(p, JSON.stringify(side.encoder.toJSON()));
    written.push(p);
  }
  if (side.titles && side.titles.size > 0) {
    const p = titlesSidecar(path);
    await writeFileAtomic(p, JSON.stringify(Object.fromEntries(side.titles)));
    written.push(p);
  }
  return written;
}

/** A `u.data`-style TSV: `user\titem\trating\ttimestamp` per line. */
export function formatUData(x: Interactions): string {
  const lines: string[] = new Array(x.length);
  for (let i = 0; i < x.length; i++) {
    lines[i] = `${x.user[i]}\t${x.item[i]}\t${x.rating[i]}\t${Math.round(x.timestamp[i] as number)}`;
  }
  return lines.join('\n') + '\n';
}

/** The 19 genres of MovieLens-100K's `u.item`, in column order. */
export const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const;

/**
 * A `u.item`-style file: `id|title|release date|video date|url|19 genre flags`. Genres outside
 * the MovieLens list set the `unknown` flag. Titles must not contain `|` (they are replaced by '/').
 */
export function formatUItem(items: Map<number, ItemInfo>): string {
  const out: string[] = [];
  for (const [id, info] of [...items].sort((a, b) => a[0] - b[0])) {
    const flags: number[] = new Array<number>(ML100K_GENRES.length).fill(0);
    for (const g of info.genres) {
      const j = ML100K_GENRES.findIndex((x) => x.toLowerCase() === g.toLowerCase());
      flags[j >= 0 ? j : 0] = 1;
    }
    const date = info.year !== undefined ? `01-Jan-${info.year}` : '';
    out.push([id, info.title.replace(/\|/g, '/'), date, '', '', ...flags].join('|'));
  }
  return out.join('\n') + '\n';
}
