import { datasetToIPC, type Encoder, type Interactions, type ItemInfo, type SparseDataset } from '@fm/data';
import { commitOutputs, type OutputFile } from '@fm/data/node';
import { datasetStamp, encoderSidecar, titlesJson, titlesSidecar } from './inputs.js';
import type { PlannedOutput } from './output-plan.js';

/** The files of an encoded dataset, to commit as one unit: `X.arrow`, its sidecars, and sidecars of an older version to remove. */
export interface DatasetFiles {
  files: OutputFile[];
  remove: string[];
}

/**
 * The files of an encoded dataset: `X.arrow`, `X.encoder.json` when an encoder is given and
 * `X.items.json` (item titles) when titles are. Both sidecars carry the stamp of the `.arrow` bytes, so
 * a sidecar of another version is caught on reading; an old sidecar the new set lacks is removed with it.
 */
export function datasetFiles(path: string, ds: SparseDataset, side: { encoder?: Encoder; titles?: Map<number, string> } = {}): DatasetFiles {
  const bytes = datasetToIPC(ds);
  const stamp = datasetStamp(bytes, ds.numRows);
  const files: OutputFile[] = [{ path, data: bytes }];
  const remove: string[] = [];
  if (side.encoder) files.push({ path: encoderSidecar(path), data: JSON.stringify({ ...side.encoder.toJSON(), dataset: stamp }) });
  else remove.push(encoderSidecar(path));
  if (side.titles && side.titles.size > 0) files.push({ path: titlesSidecar(path), data: titlesJson(side.titles, stamp) });
  else remove.push(titlesSidecar(path));
  return { files, remove };
}

/** Every path an `.arrow` output may write or remove (for the output checks). */
export function datasetOutputs(flag: string, path: string): PlannedOutput[] {
  return [
    { flag, path, kind: 'file' },
    { flag: `${flag} (its encoder sidecar)`, path: encoderSidecar(path), kind: 'file' },
    { flag: `${flag} (its titles sidecar)`, path: titlesSidecar(path), kind: 'file' },
  ];
}

/** Writes an encoded dataset and its sidecars as one unit; returns the paths written. */
export async function writeDataset(path: string, ds: SparseDataset, side: { encoder?: Encoder; titles?: Map<number, string> } = {}): Promise<string[]> {
  const { files, remove } = datasetFiles(path, ds, side);
  await commitOutputs(files, remove);
  return files.map((f) => f.path);
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
