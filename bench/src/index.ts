/**
 * `pnpm bench`: data-path and training-speed benchmarks (not tests). Prints tables; `--json FILE` also
 * writes every row as JSON. `--quick` runs tiny sizes (a smoke run), `--only data|train` picks a part.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runDataBench } from './data-bench.js';
import { runTrainBench } from './train-bench.js';
import { formatTable } from './format-table.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeats: { type: 'string' },
    },
  });
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
  if (values.json) {
    await writeFile(values.json, JSON.stringify(out, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
