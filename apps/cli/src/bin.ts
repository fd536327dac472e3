#!/usr/bin/env node
// The `fm` command. Ctrl-C removes in-flight temporary outputs and exits with status 130.
import { cleanupPendingOutputs } from './atomic.js';
import { commands } from './commands/index.js';
import { EXIT_INTERRUPTED } from './errors.js';
import { main } from './main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  controller.abort();
  cleanupPendingOutputs();
  process.stderr.write('\ninterrupted: no partial outputs were left\n');
  process.exit(EXIT_INTERRUPTED);
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
