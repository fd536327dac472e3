/**
 * `pnpm bench`: data-path and training-speed benchmarks (not tests). Prints tables; `--json FILE` also
 * writes every row as JSON. `--quick` runs tiny sizes (a smoke run), `--only data|train|deep|deep-quality`
 * picks a part. The deep part takes `--baseline DIR` (another revision's installed, built checkout, run side by
 * side), `--rounds N`, `--models afm,nfm,…` and `--data ctr10,ctr39`.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runDataBench } from './data-bench.js';
import { DEEP_DATA, DEEP_MODELS, RECOMMENDED, TODAY, runDeepBench, type DeepData, type DeepModel } from './deep-bench.js';
import { runDeepQuality } from './deep-quality.js';
import { runTrainBench } from './train-bench.js';

function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return String(v);
      if (Number.isInteger(v)) return v.toLocaleString('en-US');
      return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
    }
    return v === undefined || v === null ? '' : String(v);
  };
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] ?? 0)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeats: { type: 'string' },
      baseline: { type: 'string' },
      rounds: { type: 'string' },
      models: { type: 'string' },
      data: { type: 'string' },
      grid: { type: 'boolean', default: false },
    },
  });
  const list = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] | undefined => {
    if (value === undefined) return undefined;
    const items = value.split(',').map((x) => x.trim());
    const bad = items.find((x) => !allowed.includes(x as T));
    if (bad !== undefined) throw new Error(`--${flag}: unknown "${bad}", expected a comma list of ${allowed.join(', ')}`);
    return items as T[];
  };
  const models = list<DeepModel>('models', values.models, DEEP_MODELS);
  const data = list<DeepData>('data', values.data, Object.keys(DEEP_DATA) as DeepData[]);
  const out: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };
  if (!values.only || values.only === 'data') {
    console.log('\n== Data: loading, encoding, writing ==');
    const rows = await runDataBench({ quick: values.quick });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.data = rows;
  }
  if (!values.only || values.only === 'train') {
    console.log('\n== Training speed vs a plain-TypeScript per-example SGD FM reference ==');
    const rows = await runTrainBench({ quick: values.quick, repeats: values.repeats ? Number(values.repeats) : undefined });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.train = rows;
  }
  if (!values.only || values.only === 'deep') {
    console.log('\n== Deep models on the tfjs engine (wasm): examples/s, this revision vs --baseline ==');
    const { rows, runs } = await runDeepBench({
      quick: values.quick,
      ...(values.baseline ? { baseline: values.baseline } : {}),
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
      ...(models ? { models } : {}),
      ...(data ? { data } : {}),
    });
    console.log(formatTable(rows as unknown as Record<string, unknown>[]));
    out.deep = { rows, runs };
  }
  if (values.only === 'deep-quality') {
    console.log('\n== Deep models: best validation log loss (held-out 10% slice), today\'s default vs the recommended setting ==');
    const sweep = models ?? ['afm', 'nfm', 'deepfm'];
    const pair = (model: DeepModel) => [TODAY, RECOMMENDED[model]];
    const runs = values.quick
      ? await runDeepQuality({ data: 'ctr10', models: sweep, grid: () => [TODAY], rows: 4000, maxEpochs: 2 })
      : [
          ...(await runDeepQuality({ data: 'ctr10', models: sweep, grid: pair, rows: 300_000, seeds: [1, 2, 3] })),
          ...(await runDeepQuality({ data: 'ctr39', models: sweep, grid: pair, rows: 100_000, maxEpochs: 10 })),
          ...(await runDeepQuality({ data: 'ctr10', models: sweep, grid: pair, rows: 300_000, l2: 'fit-default' })),
        ];
    console.log(formatTable(runs as unknown as Record<string, unknown>[]));
    let grid: Awaited<ReturnType<typeof runDeepQuality>> = [];
    if (values.grid) {
      const settings = [256, 1024, 2048, 4096].flatMap((batchSize) => [2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2].map((learningRate) => ({ batchSize, learningRate })));
      grid = await runDeepQuality({ data: 'ctr10', models: sweep, grid: () => settings, rows: 100_000 });
      console.log(formatTable(grid as unknown as Record<string, unknown>[]));
    }
    out.deepQuality = { runs, grid };
  }
  if (values.json) {
    await writeFile(values.json, JSON.stringify(out, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
