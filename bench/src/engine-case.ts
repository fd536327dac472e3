/**
 * Child-process entry of the engine bench: `node engine-case.js <case> <quick> <epochs>` runs one
 * case of `engine-cases.ts` and prints its rows as one JSON line (so each case's peak RSS is its own).
 */
import { ENGINE_CASES } from './engine-cases.js';

const [name, quick, epochs] = process.argv.slice(2);
const run = name ? ENGINE_CASES[name] : undefined;
if (!run) {
  console.error(`usage: node engine-case.js <${Object.keys(ENGINE_CASES).join('|')}> <quick: true|false> <epochs>`);
  process.exit(2);
}
run(quick === 'true', Number(epochs ?? 3))
  .then((rows) => {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    process.exit(0);
  })
  .catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
