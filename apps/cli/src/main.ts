import { createRequire } from 'node:module';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { createContext, type CommandContext, type TextStream } from './context.js';
import { EXIT_OK, EXIT_USAGE, exitCodeOf, formatError, InterruptedError, UsageError } from './errors.js';
import { formatCommandHelp, formatMainHelp } from './help.js';

/** The CLI's version, read from its package.json. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Streams and signal a run of the CLI uses. */
export interface MainIO {
  stdout: TextStream;
  stderr: TextStream;
  signal?: AbortSignal;
}

/**
 * Runs `fm <argv…>` against a command table and returns the exit status: 0 success, 1 runtime
 * failure, 2 bad usage. Never calls `process.exit`, so it can be driven in-process by tests.
 */
export async function main(argv: readonly string[], commands: readonly Command[], io: MainIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const help = formatMainHelp(commands, VERSION);
    if (name === undefined) {
      io.stderr.write(help);
      return EXIT_USAGE;
    }
    io.stdout.write(help);
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    const close = commands.filter((c) => c.name.startsWith(name.slice(0, 2))).map((c) => c.name);
    const hint = close.length ? ` (did you mean ${close.join(' or ')}?)` : '';
    io.stderr.write(formatError(new UsageError(`unknown command "${name}"${hint}`)) + '\n');
    return EXIT_USAGE;
  }
  const wantsJson = rest.includes('--json');
  const verbose = rest.includes('--verbose');
  const signal = io.signal ?? new AbortController().signal;
  let ctx: CommandContext | undefined;
  try {
    const args = parseCommandArgs(cmd.name, cmd.options, rest, { maxPositionals: cmd.maxPositionals ?? 0 });
    if (args.values.help) {
      io.stdout.write(formatCommandHelp(cmd));
      return EXIT_OK;
    }
    ctx = createContext({ stdout: io.stdout, stderr: io.stderr, json: args.values.json, signal });
    const running = cmd.run(args, ctx);
    const result = cmd.readOnly ? await Promise.race([running, aborted(signal)]) : await running;
    if (args.values.json) io.stdout.write(`${JSON.stringify({ command: cmd.name, ...result }, jsonReplacer, 2)}\n`);
    return EXIT_OK;
  } catch (caught) {
    // Whatever a command throws once Ctrl-C was pressed (an abort reason from a loader, a stopped
    // training run) is an interruption: exit 130 and say what was kept.
    const e = signal.aborted && !(caught instanceof InterruptedError) ? new InterruptedError(ctx?.kept ?? 'nothing was written') : caught;
    const code = exitCodeOf(e);
    if (wantsJson) {
      io.stdout.write(`${JSON.stringify({ command: cmd.name, error: (e as Error)?.message ?? String(e), exitCode: code })}\n`);
    }
    io.stderr.write(`${formatError(e, verbose)}\n`);
    return code;
  }
}

/** Rejects when `signal` aborts (never resolves otherwise). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new InterruptedError('nothing was written'));
    else signal.addEventListener('abort', () => reject(new InterruptedError('nothing was written')), { once: true });
  });
}

/** JSON for typed arrays, Maps and non-finite numbers (as null). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Map) return Object.fromEntries(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
