/**
 * Child-process entry of the shards bench: `node shards-step.js <step> <args…>` runs one step and
 * prints its row as one JSON line, so each step's peak RSS is measured alone.
 */
import { runShardsStep } from './shards-bench.js';

const [step, ...args] = process.argv.slice(2);
if (!step) {
  console.error('usage: node shards-step.js <write|read|libffm|encode> <args…>');
  process.exit(2);
}
runShardsStep(step, args)
  .then((row) => {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    process.exit(0);
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
