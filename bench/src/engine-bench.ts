/**
 * Engine benchmark (issue 9's acceptance figures): BPR ranking speed on the default path against the
 * tfjs engine, FFM on the 1M × 39 CTR generator (speed, peak RSS, validation log loss with the default
 * and with libffm's settings), FFM scoring of 200k rows, and whole-catalogue top-10 for every user.
 * Each case runs in a child process, one after another, so timings and peak RSS are the case's own.
 *
 * `baseline`: a built checkout of an earlier commit (e.g. `git worktree add ../base 055acb8 && pnpm
 * install && pnpm build` there); its BPR and FFM defaults are then measured in the same run, for ratios
 * against "today's" code.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEEP_CASE_EPOCHS, ENGINE_CASES, libffmPeerRows, type EngineBenchRow } from './engine-cases.js';

const CASE_ENTRY = fileURLToPath(new URL('./engine-case.js', import.meta.url));

function runChild(script: string, args: string[]): Promise<EngineBenchRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`engine bench case ${args[0]} exited with code ${code}`));
      try {
        resolve(JSON.parse(last) as EngineBenchRow[]);
      } catch {
        reject(new Error(`engine bench case ${args[0]} printed no result row: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** The baseline's cases, written as a plain ES module into its bench folder (so imports resolve there). */
const BASELINE_SCRIPT = `
import '@tensorflow/tfjs-backend-wasm';
import { encodeInteractions, generateCtr, generateImplicit } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, selectBackend } from '@fm/train';
import '@fm/train/node';
const [name, quick, epochs] = process.argv.slice(2);
const q = quick === 'true';
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
const speed = (r) => median((r.history.length > 1 ? r.history.slice(1) : r.history).map((h) => h.examplesPerSecond));
const peak = () => process.resourceUsage().maxRSS / 1024;
await selectBackend('wasm');
let rows;
if (name === 'bpr') {
  const g = generateImplicit({ users: q ? 200 : 943, items: q ? 300 : 1682, seed: 1 });
  const ds = encodeInteractions(g.interactions).dataset;
  const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 64, seed: 1 });
  const r = await fit(model, ds, { task: 'ranking', negatives: { itemField: 'item' }, epochs: Math.min(Number(epochs), 2), validation: false });
  rows = [{ case: 'BPR ranking, ML-100K shape, k=64', path: 'baseline: default path', engine: r.engine, rows: ds.numRows, examplesPerSec: speed(r), peakRssMiB: peak() }];
} else if (name === 'deep' || name === 'deep-large') {
  const n = name === 'deep' ? (q ? 6000 : 60000) : (q ? 6000 : 600000);
  const ep = name === 'deep' ? ${DEEP_CASE_EPOCHS} : 1;
  const g = generateCtr({ rows: n, fields: 10, hashSize: 10000, seed: 3 });
  rows = [];
  for (const kind of ['afm', 'nfm', 'deepfm']) {
    const model = createModel(kind, { fieldDims: g.dataset.schema.fieldDims, embeddingDim: 16, seed: 1 });
    const t0 = process.cpuUsage();
    const r = await fit(model, g.dataset, { task: 'binary', epochs: ep, validation: false });
    const cpu = process.cpuUsage(t0);
    rows.push({ case: kind + ', CTR ' + g.dataset.numRows.toLocaleString('en-US') + ' × 10 fields, k=16', path: 'baseline: fit() defaults', engine: r.engine, examplesPerSec: speed(r), peakRssMiB: peak(), metric: 'examples per CPU-second', value: (ep * g.dataset.numRows) / ((cpu.user + cpu.system) / 1e6) });
    model.dispose();
  }
} else {
  const g = generateCtr({ rows: q ? 20000 : 1000000, fields: 39, hashSize: q ? 20000 : 1000000, seed: 7 });
  const model = createModel('ffm', { fieldDims: g.dataset.schema.fieldDims, embeddingDim: 4, seed: 1 });
  const r = await fit(model, g.dataset, { task: 'binary', epochs: 3, validation: { fraction: 0.1 }, earlyStopping: false });
  rows = [{ case: 'FFM k=4, CTR ' + g.dataset.numRows.toLocaleString('en-US') + ' × 39 fields', path: 'baseline: default path', engine: r.engine, threads: r.threads, examplesPerSec: speed(r), peakRssMiB: peak(), metric: 'validation log loss by epoch', value: r.history.at(-1).valMetrics.logloss, note: r.history.map((h) => h.valMetrics.logloss.toFixed(4)).join(' → ') }];
}
process.stdout.write(JSON.stringify(rows) + '\\n');
process.exit(0);
`;

/** Runs every case (or those whose name contains `only`). */
export async function runEngineBench(opts: { quick?: boolean; epochs?: number; only?: string; baseline?: string; libffm?: string } = {}): Promise<EngineBenchRow[]> {
  const quick = opts.quick ?? false;
  const epochs = opts.epochs ?? 4;
  const rows: EngineBenchRow[] = [];
  for (const name of Object.keys(ENGINE_CASES)) {
    if (opts.only && !name.includes(opts.only)) continue;
    rows.push(...(await runChild(CASE_ENTRY, [name, String(quick), String(epochs)])));
    // libffm right after the case that uses its settings, so the two run side by side
    if (name === 'ffm-libffm' && opts.libffm) rows.push(...libffmPeerRows(opts.libffm, quick));
  }
  if (opts.baseline) {
    const dir = join(opts.baseline, 'bench', 'dist');
    if (!existsSync(dir)) throw new Error(`engine bench: --baseline ${opts.baseline} has no bench/dist (build it first)`);
    const script = join(dir, '_engine-baseline.mjs');
    writeFileSync(script, BASELINE_SCRIPT);
    for (const name of ['bpr', 'ffm', 'deep', 'deep-large']) {
      // the baseline's cases are the -default ones (and deep-large)
      if (opts.only && !(name === 'deep-large' ? name : `${name}-default`).includes(opts.only)) continue;
      rows.push(...(await runChild(script, [name, String(quick), String(epochs)])));
    }
  }
  return rows;
}
