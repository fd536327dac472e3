import { FieldSchema } from '../field-schema.js';
import type { Frame } from '../frame.js';
import { SparseDataset } from '../sparse-dataset.js';

const USERS = ['A', 'B', 'C'] as const;
/** Titanic, Notting Hill, Star Wars, Star Trek. */
const MOVIES = ['TI', 'NH', 'SW', 'ST'] as const;
type User = (typeof USERS)[number];
type Movie = (typeof MOVIES)[number];

/** The transactions of fig. 1: (user, movie, time, rating), in the figure's row order. */
const TRANSACTIONS: readonly (readonly [User, Movie, number, number])[] = [
  ['A', 'TI', 13, 5],
  ['A', 'NH', 14, 3],
  ['A', 'SW', 16, 1],
  ['B', 'SW', 5, 4],
  ['B', 'ST', 8, 5],
  ['C', 'TI', 9, 1],
  ['C', 'SW', 12, 5],
];

/** Output of {@link fmPaperToyTable}. */
export interface FmPaperToyTable {
  /** 7 rows; fields user(3), movie(4), otherRated(4, multi-hot), time(1, numeric), lastRated(5: 4 movies + none). */
  dataset: SparseDataset;
  /** The same table as raw columns (user, movie, otherRated, time, lastRated with "none", rating), for an encoder. */
  frame: Frame;
  /** `[17]` a human name per global feature id, e.g. `movie=TI`, `otherRated=SW`, `time`, `lastRated=none`. */
  featureNames: string[];
}

/**
 * The 7-row example of Rendle, "Factorization Machines" (ICDM 2010), fig. 1: users A, B, C rate
 * movies Titanic (TI), Notting Hill (NH), Star Wars (SW) and Star Trek (ST). Each row holds the
 * active user and movie (one-hot), all movies the user rated normalised to sum to 1 ("other movies
 * rated"), the time as a number, and the movie the user rated just before (one-hot; the paper leaves
 * this block empty on a user's first rating, here the explicit `none` slot, the last id, is set so
 * that every field has one entry per row). Targets are the ratings 5, 3, 1, 4, 5, 1, 5.
 */
export function fmPaperToyTable(): FmPaperToyTable {
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: USERS.length },
    { name: 'movie', kind: 'categorical', cardinality: MOVIES.length },
    { name: 'otherRated', kind: 'multi-hot', cardinality: MOVIES.length },
    { name: 'time', kind: 'numeric', cardinality: 1 },
    { name: 'lastRated', kind: 'categorical', cardinality: MOVIES.length + 1 },
  ]);
  const featureNames = [
    ...USERS.map((u) => `user=${u}`),
    ...MOVIES.map((m) => `movie=${m}`),
    ...MOVIES.map((m) => `otherRated=${m}`),
    'time',
    ...MOVIES.map((m) => `lastRated=${m}`),
    'lastRated=none',
  ];

  const rated = new Map<User, Movie[]>();
  for (const [u, m] of TRANSACTIONS) rated.set(u, [...(rated.get(u) ?? []), m]);
  const previous = new Map<User, Movie>();

  const ids: number[] = [];
  const values: number[] = [];
  const offsets = [0];
  const labels: number[] = [];
  const frameOffsets = [0];
  const frameTokens: string[] = [];
  const frameWeights: number[] = [];
  const lastRated: string[] = [];
  for (const [u, m, time, rating] of TRANSACTIONS) {
    ids.push(schema.globalId('user', USERS.indexOf(u)), schema.globalId('movie', MOVIES.indexOf(m)));
    values.push(1, 1);
    const all = (rated.get(u) ?? []).slice().sort((a, b) => MOVIES.indexOf(a) - MOVIES.indexOf(b));
    for (const o of all) {
      ids.push(schema.globalId('otherRated', MOVIES.indexOf(o)));
      values.push(1 / all.length);
      frameTokens.push(o);
      frameWeights.push(1 / all.length);
    }
    frameOffsets.push(frameTokens.length);
    ids.push(schema.globalId('time', 0));
    values.push(time);
    const last = previous.get(u);
    ids.push(schema.globalId('lastRated', last === undefined ? MOVIES.length : MOVIES.indexOf(last)));
    values.push(1);
    lastRated.push(last ?? 'none');
    previous.set(u, m);
    offsets.push(ids.length);
    labels.push(rating);
  }
  const dataset = new SparseDataset({
    schema,
    labels: Float32Array.from(labels),
    offsets: Int32Array.from(offsets),
    ids: Int32Array.from(ids),
    values: Float32Array.from(values),
  });
  const frame: Frame = {
    length: TRANSACTIONS.length,
    columns: {
      user: TRANSACTIONS.map((t) => t[0]),
      movie: TRANSACTIONS.map((t) => t[1]),
      otherRated: {
        kind: 'multi-hot',
        offsets: Int32Array.from(frameOffsets),
        tokens: frameTokens,
        weights: Float32Array.from(frameWeights),
      },
      time: Float64Array.from(TRANSACTIONS, (t) => t[2]),
      lastRated,
      rating: Float32Array.from(TRANSACTIONS, (t) => t[3]),
    },
  };
  return { dataset, frame, featureNames };
}
