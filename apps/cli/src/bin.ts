#!/usr/bin/env node
// The `fm` command. The first Ctrl-C stops the command at its next batch boundary: it writes
// nothing half-done, keeps the previous outputs and says what it kept (exit 130). A second Ctrl-C
// exits at once, removing the temporary files being written; outputs being committed as a set are
// completed by the next run.
import { removePendingTempsSync } from '@fm/data/node';
import { commands } from './commands/index.js';
import { EXIT_INTERRUPTED, InterruptedError } from './errors.js';
import { main } from './main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (!controller.signal.aborted) {
    process.stderr.write('\nstopping at the next batch boundary (Ctrl-C again to quit at once)\n');
    controller.abort(new InterruptedError('stopped on Ctrl-C'));
    return;
  }
  removePendingTempsSync();
  process.stderr.write('interrupted again: quit at once (temporary files removed; each output is its old or new complete version)\n');
  process.exit(EXIT_INTERRUPTED);
});
process.on('SIGTERM', () => {
  removePendingTempsSync();
  process.exit(143);
});

// `fm … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await main(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
// After Ctrl-C nothing more is to be done: do not wait for idle workers or timers to wind down.
if (controller.signal.aborted) process.exit(code);
