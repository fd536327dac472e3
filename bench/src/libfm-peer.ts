/**
 * libFM (Rendle 2012, "Factorization Machines with libFM", ACM TIST) as a side-by-side peer: the bench writes
 * the very datasets it trains on as libFM text files (global feature ids as indices, values as weights) with a
 * `-meta` file (each feature's group = its field), runs a libFM binary the user built, and reads its test RMSE.
 * libFM is never downloaded or built here: pass the path of one you built (github.com/srendle/libfm, `make`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SparseDataset } from '@fm/data';
import { writeSparseText } from './sparse-text.js';

/** Writes `ds` to `path` as libFM lines `label id:value …`, ids as the dataset's global feature ids (0-based, as libFM reads them). */
export function writeLibfm(path: string, ds: SparseDataset): void {
  writeSparseText(path, ds, 0, ds.numRows, (p) => `${ds.ids[p]}:${ds.values[p]}`);
}

/** libFM's `-meta` file: line i is the group of feature i, here its field. */
export function libfmMeta(ds: SparseDataset): string {
  const off = ds.schema.offsets;
  const out: string[] = [];
  for (let f = 0; f + 1 < off.length; f++) for (let i = off[f] as number; i < (off[f + 1] as number); i++) out.push(String(f));
  return `${out.join('\n')}\n`;
}

/** What a libFM run gave: the test RMSE it printed after the last iteration and the process' wall time (file reading included). */
export interface LibfmRun {
  rmse: number;
  seconds: number;
}

/**
 * Runs libFM's MCMC regression (`-method mcmc -dim 1,1,k -init_stdev 0.1`, per-field groups) on `train`/`test`
 * written to a temporary folder, which is removed afterwards.
 * @param bin path of the libFM executable.
 */
export function runLibfmMcmc(bin: string, train: SparseDataset, test: SparseDataset, opts: { k: number; iterations: number; seed: number }): LibfmRun {
  const dir = mkdtempSync(join(tmpdir(), 'fm-libfm-'));
  try {
    const files = { train: join(dir, 'train.libfm'), test: join(dir, 'test.libfm'), meta: join(dir, 'groups.meta') };
    writeLibfm(files.train, train);
    writeLibfm(files.test, test);
    writeFileSync(files.meta, libfmMeta(train));
    const args = ['-task', 'r', '-method', 'mcmc', '-dim', `1,1,${opts.k}`, '-iter', String(opts.iterations), '-init_stdev', '0.1'];
    args.push('-train', files.train, '-test', files.test, '-meta', files.meta, '-seed', String(opts.seed), '-verbosity', '0');
    const t0 = performance.now();
    const out = execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const seconds = (performance.now() - t0) / 1000;
    const tests = [...out.matchAll(/Test=([0-9.]+)/g)];
    const last = tests[tests.length - 1];
    if (!last) throw new Error(`libfm: ${bin} printed no "Test=" line; its output ended with: ${out.slice(-300)}`);
    return { rmse: Number(last[1]), seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
