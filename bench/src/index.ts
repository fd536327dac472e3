/**
 * `pnpm bench`: data-path, out-of-core data, training-speed and engine benchmarks (not tests). Prints
 * tables; `--json FILE` also writes every row as JSON. `--quick` runs tiny sizes (a smoke run),
 * `--only data|shards|train|engine|zoo|cli` picks a part; `--shard-sizes 1e6,5e6` and `--libffm-lines 1e6` resize
 * the shards part (defaults 1M, 5M, 20M rows and a 10M-line libffm file: minutes), `--train-sizes 1e6,5e6`,
 * `--warm-rows 1e6`, `--warm-seeds 3` and `--shard-parts io,encode,train,warm` its training steps; `--baseline DIR` (a
 * built checkout of an earlier commit) adds its BPR and FFM figures to the engine part; `--case NAME` runs
 * only the engine cases whose name contains NAME (bpr, ffm, topk, …); `--libffm PATH/TO/ffm-train` (a libffm you built)
 * adds libffm on the `ffm-libffm` case's data and settings right after it. The zoo part is the model zoo's
 * quality-and-speed table (`zoo-quality.ts`: every model on the CTR generator and on MovieLens-100K ranking;
 * about 15 minutes on a loaded 2-core machine); `--models a,b` restricts it. The cli part (`--only cli`, not in the default
 * run: it makes a 2.5 GB model) times the `fm` command and its peak memory on big tables (`cli-bench.ts`), with
 * `--baseline DIR`'s `fm` beside it; there `--case NAME` runs only the steps whose name contains NAME (e.g. `all-users`).
 */
import { writeFileAtomic } from '@fm/data/node';
import { existsSync } from 'node:fs';
import { runDataBench } from './data-bench.js';
import { runShardsBench } from './shards-bench.js';
import { formatTable } from './format-table.js';
import { runTrainBench } from './train-bench.js';
import { runEngineBench } from './engine-bench.js';
import { runZooQuality, zooModels, zooQualitySettings } from './zoo-quality.js';
import { runCliBench } from './cli-bench.js';
import { benchArgs } from './bench-args.js';

async function main(): Promise<void> {
  const { values } = benchArgs(import.meta.url, {
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeats: { type: 'string' },
      baseline: { type: 'string' },
      libffm: { type: 'string' },
      case: { type: 'string' },
      'shard-sizes': { type: 'string' },
      'libffm-lines': { type: 'string' },
      'train-sizes': { type: 'string' },
      'warm-rows': { type: 'string' },
      'warm-seeds': { type: 'string' },
      'shard-parts': { type: 'string' },
      models: { type: 'string' },
    },
  });
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };
  if (values.only === 'cli') {
    console.log('\n== The fm command on big tables: wall time and peak RSS per command (each its own process) ==');
    const rows = await runCliBench({ quick: values.quick, ...(values.baseline ? { baseline: values.baseline } : {}), ...(values.case ? { steps: values.case } : {}) });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.cli = rows;
  }
  if (!values.only || values.only === 'data') {
    console.log('\n== Data: loading, encoding, writing ==');
    const rows = await runDataBench({ quick: values.quick });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.data = rows;
  }
  if (!values.only || values.only === 'shards') {
    console.log('\n== Out-of-core data: CTR rows × 39 fields to Arrow shards and back; libffm encode with hashing (each step its own process) ==');
    const sizes = values['shard-sizes']?.split(',').map(Number);
    const lines = values['libffm-lines'] !== undefined ? Number(values['libffm-lines']) : undefined;
    const trainSizes = values['train-sizes']?.split(',').filter((x) => x !== '').map(Number);
    const warmRows = values['warm-rows'] !== undefined ? Number(values['warm-rows']) : undefined;
    const parts = values['shard-parts']?.split(',');
    const rows = await runShardsBench({
      quick: values.quick,
      ...(sizes ? { sizes } : {}),
      ...(lines !== undefined ? { libffmLines: lines } : {}),
      ...(trainSizes ? { trainSizes } : {}),
      ...(warmRows !== undefined ? { warmRows } : {}),
      ...(values['warm-seeds'] !== undefined ? { warmSeeds: Number(values['warm-seeds']) } : {}),
      ...(parts ? { parts } : {}),
    });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.shards = rows;
  }
  if (!values.only || values.only === 'train') {
    console.log('\n== Training speed vs a plain-TypeScript per-example SGD FM reference ==');
    const rows = await runTrainBench({ quick: values.quick, repeats: values.repeats ? Number(values.repeats) : undefined });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.train = rows;
  }
  if (!values.only || values.only === 'engine') {
    console.log('\n== Engines: BPR, FFM on the 1M × 39 CTR generator, scoring and top-k (each case in its own process) ==');
    const rows = await runEngineBench({ quick: values.quick, ...(values.baseline ? { baseline: values.baseline } : {}), ...(values.libffm ? { libffm: values.libffm } : {}), ...(values.case ? { only: values.case } : {}) });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.engine = rows;
  }
  if (!values.only || values.only === 'zoo') {
    const s = zooQualitySettings(values.quick ? { 'ctr-rows': '5000', epochs: '1', 'ranking-epochs': '1' } : {});
    console.log(
      `\n== Model zoo: CTR generator (${s.ctrRows.toLocaleString('en-US')} rows × 39 fields, ${s.epochs} epochs) and MovieLens-100K leave-last-out ranking (${s.rankingEpochs} epochs); wasm threads: ${s.wasmThreads}; each model and case its own process ==`,
    );
    const zoo = await runZooQuality(zooModels(values.models), s, existsSync(`${s.dir}/u.data`));
    console.log(formatTable(zoo.rows));
    out.zoo = { settings: s, ...zoo };
  }
  if (values.json) {
    await writeFileAtomic(values.json, JSON.stringify(out, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
