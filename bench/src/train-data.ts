/**
 * Data sets of the training benchmark: (a) star ratings over 943 users × 1,682 items (MovieLens-100K
 * sized), encoded as a two-field (user, item) SparseDataset; (b) a Criteo-like click log with 39
 * hashed categorical fields sharing 1,000,000 ids and binary labels.
 *
 * Both come from `@fm/data`'s `generateRatings` / `generateCtr` when that build exports them, and
 * otherwise from the small planted generators below (same contracts), so the bench runs either way.
 */
import * as fmData from '@fm/data';
import { FieldSchema, Rng, SparseDataset } from '@fm/data';

/** A train/test split of one generated data set. */
export interface BenchData {
  train: SparseDataset;
  test: SparseDataset;
  /** Where the data came from (`@fm/data generateRatings`, or `local planted generator`). */
  source: string;
  /** Best achievable test loss when the generator reports one (log loss for CTR). */
  bestLoss?: number;
}

interface RatingsLike {
  interactions: { user: Int32Array; item: Int32Array; rating: Float32Array; length: number };
}
type GenerateRatings = (o: { users: number; items: number; density: number; seed: number; round: boolean }) => RatingsLike;
type GenerateCtr = (o: { rows: number; fields: number; hashSize: number; seed: number }) => { dataset: SparseDataset; bestLogLoss: number };

function exported<T>(name: string): T | undefined {
  const f = (fmData as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as T) : undefined;
}

/** Int32/Float32 arrays on a SharedArrayBuffer, so Hogwild threads use the data without a copy. */
const sharedI32 = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));
const sharedF32 = (n: number) => new Float32Array(new SharedArrayBuffer(n * 4));

/** Seeded random split: `testFraction` of the rows go to test. */
export function splitRows(d: SparseDataset, testFraction: number, seed: number): { train: SparseDataset; test: SparseDataset } {
  const perm = new Rng(seed).permutation(d.numRows);
  const nTest = Math.round(d.numRows * testFraction);
  return { test: d.select(perm.subarray(0, nTest)), train: d.select(perm.subarray(nTest)) };
}

/** Local stand-in for `generateRatings`: a planted rank-8 biased MF with Zipf item popularity. */
function localRatings(o: { users: number; items: number; density: number; seed: number; round: boolean }): RatingsLike {
  const rng = new Rng(o.seed);
  const rank = 8;
  const ub = Float32Array.from({ length: o.users }, () => rng.normal() * 0.4);
  const ib = Float32Array.from({ length: o.items }, () => rng.normal() * 0.5);
  const uf = Float32Array.from({ length: o.users * rank }, () => rng.normal() * 0.3);
  const itf = Float32Array.from({ length: o.items * rank }, () => rng.normal() * 0.3);
  const pop = new Float64Array(o.items);
  let acc = 0;
  for (let i = 0; i < o.items; i++) pop[i] = acc += 1 / (i + 1);
  const m = Math.round(o.users * o.items * o.density);
  const user = new Int32Array(m);
  const item = new Int32Array(m);
  const rating = new Float32Array(m);
  for (let r = 0; r < m; r++) {
    const u = rng.int(o.users);
    const target = rng.next() * acc;
    let lo = 0;
    let hi = o.items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pop[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    let s = 3.5 + ub[u]! + ib[lo]!;
    for (let f = 0; f < rank; f++) s += uf[u * rank + f]! * itf[lo * rank + f]!;
    s += rng.normal() * 0.6;
    user[r] = u + 1;
    item[r] = lo + 1;
    rating[r] = o.round ? Math.min(5, Math.max(1, Math.round(s))) : s;
  }
  return { interactions: { user, item, rating, length: m } };
}

/** Ratings as a 2-field (user, item) dataset, split 90/10. */
export function ratingsData(o: { users: number; items: number; density: number; seed: number }): BenchData {
  const gen = exported<GenerateRatings>('generateRatings');
  const { interactions: x } = (gen ?? localRatings)({ ...o, round: true });
  const schema = new FieldSchema([
    { name: 'user', kind: 'categorical', cardinality: o.users },
    { name: 'item', kind: 'categorical', cardinality: o.items },
  ]);
  const m = x.length;
  const offsets = sharedI32(m + 1);
  const ids = sharedI32(2 * m);
  const fields = sharedI32(2 * m);
  const values = sharedF32(2 * m).fill(1);
  const labels = sharedF32(m);
  for (let r = 0; r < m; r++) {
    offsets[r + 1] = 2 * r + 2;
    ids[2 * r] = schema.globalId(0, x.user[r]! - 1);
    ids[2 * r + 1] = schema.globalId(1, x.item[r]! - 1);
    fields[2 * r + 1] = 1;
    labels[r] = x.rating[r]!;
  }
  const d = new SparseDataset({ schema, labels, offsets, ids, values, fields });
  return { ...splitRows(d, 0.1, o.seed + 1), source: gen ? '@fm/data generateRatings' : 'local planted generator' };
}

/**
 * Local stand-in for `generateCtr`: `fields` categorical fields splitting `hashSize` ids evenly,
 * per-field Zipf(1.1) values, labels ~ Bernoulli(σ(planted FM with k=4)). Arrays on shared memory.
 */
function localCtr(o: { rows: number; fields: number; hashSize: number; seed: number }): { dataset: SparseDataset; bestLogLoss: number } {
  const rng = new Rng(o.seed);
  const F = o.fields;
  const card = Math.floor(o.hashSize / F);
  const schema = new FieldSchema(Array.from({ length: F }, (_, f) => ({ name: `c${f + 1}`, kind: 'categorical' as const, cardinality: card })));
  const n = schema.numFeatures;
  const kp = 4;
  const w = Float32Array.from({ length: n }, () => rng.normal() * 0.15);
  const v = Float32Array.from({ length: n * kp }, () => rng.normal() * 0.12);
  const cdf = new Float64Array(card);
  let acc = 0;
  for (let i = 0; i < card; i++) cdf[i] = acc += Math.pow(i + 1, -1.1);
  // Each field gets its own random mapping from popularity rank to id.
  const rankToId = Array.from({ length: F }, () => rng.permutation(card));
  const nnz = o.rows * F;
  const offsets = sharedI32(o.rows + 1);
  const ids = sharedI32(nnz);
  const fields = sharedI32(nnz);
  const values = sharedF32(nnz).fill(1);
  const labels = sharedF32(o.rows);
  const sum = new Float64Array(kp);
  let entropy = 0;
  for (let r = 0; r < o.rows; r++) {
    sum.fill(0);
    let sq = 0;
    let s = -1.2;
    for (let f = 0; f < F; f++) {
      const target = rng.next() * acc;
      let lo = 0;
      let hi = card - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      const id = f * card + rankToId[f]![lo]!;
      const j = r * F + f;
      ids[j] = id;
      fields[j] = f;
      s += w[id]!;
      for (let q = 0; q < kp; q++) {
        const x = v[id * kp + q]!;
        sum[q] = sum[q]! + x;
        sq += x * x;
      }
    }
    for (let q = 0; q < kp; q++) s += 0.5 * sum[q]! * sum[q]!;
    s -= 0.5 * sq;
    const p = 1 / (1 + Math.exp(-s));
    labels[r] = rng.next() < p ? 1 : 0;
    entropy -= p * Math.log(p) + (1 - p) * Math.log(1 - p);
    offsets[r + 1] = (r + 1) * F;
  }
  const dataset = new SparseDataset({ schema, labels, offsets, ids, values, fields }, { validate: false });
  return { dataset, bestLogLoss: entropy / o.rows };
}

/** The CTR data set, split into a leading train part and a trailing 10% test part (zero-copy slices). */
export function ctrData(o: { rows: number; fields: number; hashSize: number; seed: number }): BenchData {
  const gen = exported<GenerateCtr>('generateCtr');
  const { dataset, bestLogLoss } = (gen ?? localCtr)(o);
  const nTest = Math.round(dataset.numRows * 0.1);
  return {
    train: dataset.slice(0, dataset.numRows - nTest),
    test: dataset.slice(dataset.numRows - nTest),
    source: gen ? '@fm/data generateCtr' : 'local planted generator',
    bestLoss: bestLogLoss,
  };
}
