#!/usr/bin/env node
// The `fm` command. The first Ctrl-C stops the command at its next batch boundary: it writes
// nothing half-done, keeps the previous outputs and says what it kept (exit 130). A second Ctrl-C
// exits at once, removing the temporary files being written; outputs being committed as a set are
// completed by the next run. The handlers are installed before the (slow) imports, so Ctrl-C
// during start-up is handled the same way.
const EXIT_INTERRUPTED = 130;
const controller = new AbortController();
let removeTemps: () => void = () => undefined;
process.on('SIGINT', () => {
  if (!controller.signal.aborted) {
    process.stderr.write('\nstopping at the next batch boundary (Ctrl-C again to quit at once)\n');
    controller.abort(new Error('stopped on Ctrl-C'));
    return;
  }
  removeTemps();
  process.stderr.write('interrupted again: quit at once (temporary files removed; each output is its old or new complete version)\n');
  process.exit(EXIT_INTERRUPTED);
});
process.on('SIGTERM', () => {
  removeTemps();
  process.exit(143);
});

// `fm … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const { removePendingTempsSync } = await import('@fm/data/node');
removeTemps = removePendingTempsSync;
const { commands } = await import('./commands/index.js');
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
// After Ctrl-C nothing more is to be done: do not wait for idle workers or timers to wind down.
if (controller.signal.aborted) process.exit(code);
