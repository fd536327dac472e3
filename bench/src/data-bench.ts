/**
 * Data-path benchmark (not a test): MovieLens-100K load → encode → `.arrow` → read back, and a
 * 1M-row × 39-field synthetic CTR set generated and written. Targets: ML-100K in < 1 s, the 1M-row
 * set in < 10 s. Prints nothing; returns one row per timed step.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fmData from '@fm/data';
import { encodeInteractions, type SparseDataset } from '@fm/data';
import { loadMovieLens, readArrow, writeArrow } from '@fm/data/node';

/** One timed step. */
export interface DataBenchResult {
  name: string;
  rows: number;
  ms: number;
  rowsPerSecond: number;
}

/** Options of {@link runDataBench}. */
export interface DataBenchOptions {
  /** ML-100K folder (default `<repo>/../shared/data/ml-100k`); skipped when it has no `u.data`. */
  ml100kDir?: string;
  /** A smoke run: the CTR set has 50,000 rows instead of 1,000,000. */
  quick?: boolean;
}

type GenerateCtr = (opts: { rows: number; fields: number; hashSize: number; seed: number }) => {
  dataset: SparseDataset;
  bestLogLoss: number;
};

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function row(name: string, rows: number, ms: number): DataBenchResult {
  return { name, rows, ms: Math.round(ms * 10) / 10, rowsPerSecond: Math.round(rows / (ms / 1000)) };
}

function distinct(a: ArrayLike<number>): number {
  return new Set(Array.from(a)).size;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`data bench: ${what}`);
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs the data benchmark; throws if a round trip loses rows, users or items. */
export async function runDataBench(opts: DataBenchOptions = {}): Promise<DataBenchResult[]> {
  const results: DataBenchResult[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'fm-data-bench-'));
  try {
    const dir = opts.ml100kDir ?? join(repoRoot, '../shared/data/ml-100k');
    if (existsSync(join(dir, 'u.data'))) {
      let t = performance.now();
      const ml = await loadMovieLens(dir);
      results.push(row('ml-100k load u.data+u.item+u.user', ml.interactions.length, performance.now() - t));
      const x = ml.interactions;
      check(x.length === 100_000, `expected 100,000 ratings, got ${x.length}`);
      check(distinct(x.user) === 943 && ml.users?.size === 943, `expected 943 users, got ${distinct(x.user)} / ${ml.users?.size}`);
      check(distinct(x.item) === 1682 && ml.items?.size === 1682, `expected 1,682 items, got ${distinct(x.item)} / ${ml.items?.size}`);

      t = performance.now();
      const { dataset } = encodeInteractions(x, {
        items: ml.items,
        users: ml.users,
        features: ['genres', 'age', 'gender', 'occupation'],
      });
      const path = join(tmp, 'ml-100k.arrow');
      await writeArrow(path, dataset);
      results.push(row('ml-100k encode+writeArrow', dataset.numRows, performance.now() - t));

      t = performance.now();
      const back = await readArrow(path);
      results.push(row('ml-100k readArrow', back.numRows, performance.now() - t));
      check(back.numRows === 100_000, `expected 100,000 rows back, got ${back.numRows}`);
      check(distinct(back.columns.user ?? []) === 943, 'users lost in the Arrow round trip');
      check(distinct(back.columns.item ?? []) === 1682, 'items lost in the Arrow round trip');
      check(back.schema.equals(dataset.schema), 'schema changed in the Arrow round trip');
      check(sameArray(back.ids, dataset.ids) && sameArray(back.values, dataset.values), 'features changed in the Arrow round trip');
      check(sameArray(back.labels, x.rating), 'ratings changed in the Arrow round trip');

      for (const [file, want] of [
        ['ua.base', 90_570],
        ['ua.test', 9_430],
      ] as const) {
        const p = join(dir, file);
        if (!existsSync(p)) continue;
        t = performance.now();
        const split = await loadMovieLens(p, { items: false, users: false });
        results.push(row(`ml-100k load ${file}`, split.interactions.length, performance.now() - t));
        check(split.interactions.length === want, `${file}: expected ${want} rows, got ${split.interactions.length}`);
      }
    }

    const generateCtr = (fmData as Record<string, unknown>).generateCtr as GenerateCtr | undefined;
    if (typeof generateCtr === 'function') {
      const rows = opts.quick ? 50_000 : 1_000_000;
      let t = performance.now();
      const { dataset } = generateCtr({ rows, fields: 39, hashSize: 1_000_000, seed: 1 });
      results.push(row(`ctr ${rows.toLocaleString('en-US')}×39 generate`, dataset.numRows, performance.now() - t));
      t = performance.now();
      await writeArrow(join(tmp, 'ctr.arrow'), dataset);
      results.push(row(`ctr ${rows.toLocaleString('en-US')}×39 writeArrow`, dataset.numRows, performance.now() - t));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return results;
}
