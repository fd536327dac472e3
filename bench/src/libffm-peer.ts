/**
 * libffm (Juan, Zhuang, Chin, Lin 2016, "Field-aware Factorization Machines for CTR Prediction", RecSys) as a
 * side-by-side peer of the engine bench's FFM cases: the bench writes the generator's rows as libffm text
 * (`label field:id:1 …`), runs an `ffm-train` the user built (github.com/ycjuan/libffm, `make`; never
 * downloaded here) with the same k, epochs, learning rate, L2 and threads, and reads its training time and
 * validation log loss.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SparseDataset } from '@fm/data';
import { writeSparseText } from './sparse-text.js';

/** Writes rows `[lo, hi)` of `ds` to `path` as libffm lines `label field:id:value …`. */
export function writeLibffm(path: string, ds: SparseDataset, lo: number, hi: number): void {
  writeSparseText(path, ds, lo, hi, (p) => `${ds.fields[p]}:${ds.ids[p]}:${ds.values[p]}`);
}

/** What an `ffm-train` run reported. */
export interface LibffmRun {
  /** Training rows × epochs over libffm's own cumulative training time (its `tr_time`; file reading excluded). */
  examplesPerSec: number;
  /** Validation log loss after each epoch. */
  valLogLoss: number[];
  /** Rows it trained on (the first `1 − validationFraction` of the dataset). */
  trainRows: number;
}

/**
 * Trains libffm on the first `1 − validationFraction` of `ds`'s rows and validates on the rest (both written to a
 * temporary folder, removed afterwards).
 * @param bin path of libffm's `ffm-train`.
 */
export function runLibffm(
  bin: string,
  ds: SparseDataset,
  o: { k: number; epochs: number; learningRate: number; l2: number; threads: number; validationFraction: number },
): LibffmRun {
  const dir = mkdtempSync(join(tmpdir(), 'fm-libffm-'));
  try {
    const nTrain = Math.round(ds.numRows * (1 - o.validationFraction));
    const tr = join(dir, 'tr.ffm');
    const va = join(dir, 'va.ffm');
    writeLibffm(tr, ds, 0, nTrain);
    writeLibffm(va, ds, nTrain, ds.numRows);
    const args = ['-k', String(o.k), '-t', String(o.epochs), '-r', String(o.learningRate), '-l', String(o.l2), '-s', String(o.threads), '-p', va, tr, join(dir, 'model')];
    // cwd: libffm caches each input as `<name>.bin` in the working directory
    const out = execFileSync(bin, args, { cwd: dir, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
    // the table: "iter tr_logloss va_logloss tr_time", one line per epoch
    const epochs = [...out.matchAll(/^\s*(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s*$/gm)];
    const last = epochs[epochs.length - 1];
    if (!last || epochs.length !== o.epochs) throw new Error(`libffm: expected ${o.epochs} epoch lines from ${bin}, got ${epochs.length}; output: ${out.slice(-400)}`);
    return { examplesPerSec: (nTrain * o.epochs) / Number(last[4]), valLogLoss: epochs.map((m) => Number(m[3])), trainRows: nTrain };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
