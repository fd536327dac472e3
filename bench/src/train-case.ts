/**
 * Child-process entry of the training bench: `node train-case.js <case name> <quick> <repeats>`
 * runs one case and prints its rows as one JSON line, so each case's peak RSS is measured alone.
 */
import { runTrainCase } from './train-bench.js';

const [name, quick, repeats] = process.argv.slice(2);
if (!name) {
  console.error('usage: node train-case.js <case name> <quick: true|false> <repeats>');
  process.exit(2);
}
runTrainCase(name, quick === 'true', Number(repeats ?? 3))
  .then((rows) => {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    // Hogwild workers are terminated by the engine; exit anyway so no handle keeps the child alive.
    process.exit(0);
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
