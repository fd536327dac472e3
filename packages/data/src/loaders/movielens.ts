import { InteractionsBuilder, type Interactions, type ItemInfo, type UserInfo } from '../interactions.js';
import { isBlank, forEachLine, type LineSource } from '../line-source.js';
import { BadLines, FLOAT32_RANGE, fitsFloat32, toInt32, toNumber, type LoadOptions } from '../parse-error.js';
import { splitCsvLine } from './csv-line.js';

/** MovieLens rating file layouts: 100K `u.data` (tabs), 1M `ratings.dat` (`::`), 20M/25M/latest `ratings.csv`. */
export type MovieLensRatingsFormat = 'u.data' | 'ratings.dat' | 'ratings.csv';
/** MovieLens item file layouts. */
export type MovieLensItemsFormat = 'u.item' | 'movies.dat' | 'movies.csv';
/** MovieLens user file layouts (only 100K and 1M ship users). */
export type MovieLensUsersFormat = 'u.user' | 'users.dat';

/** The 19 genre flags of ML-100K `u.item`, in column order. */
export const ML100K_GENRES: readonly string[] = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/** ML-1M `users.dat` occupation codes 0..20, as named in its README. */
export const ML1M_OCCUPATIONS: readonly string[] = [
  'other', 'academic/educator', 'artist', 'clerical/admin', 'college/grad student', 'customer service',
  'doctor/health care', 'executive/managerial', 'farmer', 'homemaker', 'K-12 student', 'lawyer', 'programmer',
  'retired', 'sales/marketing', 'scientist', 'self-employed', 'technician/engineer', 'tradesman/craftsman',
  'unemployed', 'writer',
];

function splitter(format: string): { split: (line: string) => string[]; sep: string } {
  if (format.endsWith('.csv')) return { split: splitCsvLine, sep: ',' };
  if (format.endsWith('.dat')) return { split: (l) => l.split('::'), sep: '::' };
  if (format === 'u.data') return { split: (l) => l.split('\t'), sep: 'tab' };
  return { split: (l) => l.split('|'), sep: '|' };
}

function checkFormat<T extends string>(format: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(format)) throw new Error(`${what}: unknown format "${format}", expected ${allowed.join(' | ')}`);
}

/**
 * Parses a MovieLens ratings file into columnar {@link Interactions} (raw ids, input order).
 * `u.data` (and `ua.base`, `u1.test`, …): `user\titem\trating\ttimestamp`; `ratings.dat`:
 * `user::item::rating::timestamp`; `ratings.csv`: `userId,movieId,rating,timestamp` with a header.
 * Ids must be integers, ratings and timestamps finite numbers; blank lines are ignored.
 */
export async function parseMovieLensRatings(
  lines: LineSource,
  format: MovieLensRatingsFormat,
  opts?: LoadOptions,
): Promise<{ interactions: Interactions; skipped: number; errors: string[] }> {
  checkFormat(format, ['u.data', 'ratings.dat', 'ratings.csv'], 'parseMovieLensRatings');
  const bad = new BadLines(opts, format);
  const out = new InteractionsBuilder();
  const { split, sep } = splitter(format);
  const csv = format === 'ratings.csv';
  const tab = format === 'u.data';
  let first = true;
  await forEachLine(lines, (line, no) => {
    if (isBlank(line)) return;
    if (first && csv) {
      first = false;
      if (line.startsWith('userId')) return; // header
    }
    first = false;
    const f = tab ? line.split('\t') : split(line);
    if (f.length !== 4) {
      bad.report(bad.error(no, `4 ${sep}-separated fields (user, item, rating, timestamp) but found ${f.length}`, line));
      return;
    }
    const user = toInt32(f[0] as string);
    if (Number.isNaN(user)) {
      bad.report(bad.error(no, 'an integer user id', f[0] as string));
      return;
    }
    const item = toInt32(f[1] as string);
    if (Number.isNaN(item)) {
      bad.report(bad.error(no, 'an integer item id', f[1] as string));
      return;
    }
    const rating = toNumber(f[2] as string);
    if (!fitsFloat32(rating)) {
      bad.report(bad.error(no, Number.isFinite(rating) ? `a rating ${FLOAT32_RANGE}` : 'a finite numeric rating', f[2] as string));
      return;
    }
    const ts = toNumber(f[3] as string);
    if (!Number.isFinite(ts)) {
      bad.report(bad.error(no, 'a numeric timestamp', f[3] as string));
      return;
    }
    out.push(user, item, rating, ts);
  });
  return { interactions: out.build(), skipped: bad.skipped, errors: bad.errors };
}

const YEAR_IN_TITLE = /\((\d{4})\)\s*$/;
const YEAR_IN_DATE = /(\d{4})\s*$/;

function yearOf(title: string, date?: string): number | undefined {
  const m = YEAR_IN_TITLE.exec(title) ?? (date ? YEAR_IN_DATE.exec(date) : null);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses a MovieLens movies file into a map from item id to {@link ItemInfo}.
 * `u.item` (ML-100K; latin1, read it with `readLines(path, 'latin1')`): `id|title|release date|video
 * date|url|` then 19 `0/1` genre flags ({@link ML100K_GENRES}); `movies.dat` (ML-1M):
 * `id::title::Genre1|Genre2`; `movies.csv`: `movieId,title,genres` with a header, titles quoted
 * when they hold commas. `(no genres listed)` gives an empty genre list. The year comes from the
 * title's trailing `(YYYY)`, else from the release date. A duplicate id is an error.
 */
export async function parseMovieLensItems(
  lines: LineSource,
  format: MovieLensItemsFormat,
  opts?: LoadOptions,
): Promise<Map<number, ItemInfo>> {
  checkFormat(format, ['u.item', 'movies.dat', 'movies.csv'], 'parseMovieLensItems');
  const bad = new BadLines(opts, format);
  const { split, sep } = splitter(format);
  const items = new Map<number, ItemInfo>();
  const want = format === 'u.item' ? 5 + ML100K_GENRES.length : 3;
  let first = true;
  await forEachLine(lines, (line, no) => {
    if (isBlank(line)) return;
    if (first && format === 'movies.csv' && line.startsWith('movieId')) {
      first = false;
      return;
    }
    first = false;
    let f: string[];
    try {
      f = split(line);
    } catch (e) {
      bad.report(bad.error(no, (e as Error).message, line));
      return;
    }
    if (f.length !== want) {
      const what = format === 'u.item' ? 'id, title, dates, url and 19 genre flags' : 'id, title, genres';
      bad.report(bad.error(no, `${want} ${sep}-separated fields (${what}) but found ${f.length}`, line));
      return;
    }
    const id = toInt32(f[0] as string);
    if (Number.isNaN(id)) {
      bad.report(bad.error(no, 'an integer movie id', f[0] as string));
      return;
    }
    if (items.has(id)) {
      bad.report(bad.error(no, `a movie id not seen before (${id} is a duplicate)`, line));
      return;
    }
    const title = f[1] as string;
    let genres: string[];
    let year: number | undefined;
    if (format === 'u.item') {
      genres = [];
      let ok = true;
      for (let g = 0; g < ML100K_GENRES.length; g++) {
        const flag = f[5 + g] as string;
        if (flag === '1') genres.push(ML100K_GENRES[g] as string);
        else if (flag !== '0') {
          bad.report(bad.error(no, `genre flag 0 or 1 for "${ML100K_GENRES[g]}"`, flag));
          ok = false;
          break;
        }
      }
      if (!ok) return;
      year = yearOf(title, f[2]);
    } else {
      const g = (f[2] as string).trim();
      genres = g === '' || g === '(no genres listed)' ? [] : g.split('|');
      year = yearOf(title);
    }
    const info: ItemInfo = { id, title, genres };
    if (year !== undefined) info.year = year;
    items.set(id, info);
  });
  return items;
}

/**
 * Parses a MovieLens users file into a map from user id to {@link UserInfo}.
 * `u.user` (ML-100K): `id|age|gender|occupation|zip`; `users.dat` (ML-1M):
 * `id::gender::age::occupation::zip` with age a group code and occupation a code 0..20, turned
 * into its name ({@link ML1M_OCCUPATIONS}). A duplicate id is an error.
 */
export async function parseMovieLensUsers(
  lines: LineSource,
  format: MovieLensUsersFormat,
  opts?: LoadOptions,
): Promise<Map<number, UserInfo>> {
  checkFormat(format, ['u.user', 'users.dat'], 'parseMovieLensUsers');
  const bad = new BadLines(opts, format);
  const { split, sep } = splitter(format);
  const users = new Map<number, UserInfo>();
  const dat = format === 'users.dat';
  await forEachLine(lines, (line, no) => {
    if (isBlank(line)) return;
    const f = split(line);
    if (f.length !== 5) {
      const what = dat ? 'id, gender, age, occupation, zip' : 'id, age, gender, occupation, zip';
      bad.report(bad.error(no, `5 ${sep}-separated fields (${what}) but found ${f.length}`, line));
      return;
    }
    const id = toInt32(f[0] as string);
    if (Number.isNaN(id)) {
      bad.report(bad.error(no, 'an integer user id', f[0] as string));
      return;
    }
    if (users.has(id)) {
      bad.report(bad.error(no, `a user id not seen before (${id} is a duplicate)`, line));
      return;
    }
    const ageText = (dat ? f[2] : f[1]) as string;
    const age = toInt32(ageText);
    if (Number.isNaN(age) || age < 0) {
      bad.report(bad.error(no, 'a non-negative integer age', ageText));
      return;
    }
    const gender = (dat ? f[1] : f[2]) as string;
    if (gender !== 'M' && gender !== 'F') {
      bad.report(bad.error(no, 'gender M or F', gender));
      return;
    }
    let occupation = f[3] as string;
    if (dat) {
      const code = toInt32(occupation);
      const name = Number.isNaN(code) ? undefined : ML1M_OCCUPATIONS[code];
      if (name === undefined) {
        bad.report(bad.error(no, 'an occupation code 0..20', occupation));
        return;
      }
      occupation = name;
    }
    users.set(id, { id, age, gender, occupation, zip: f[4] as string });
  });
  return users;
}
