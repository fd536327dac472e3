import { escapeControl } from './text.js';

/** Exit status of a successful command. */
export const EXIT_OK = 0;
/** Exit status of a runtime failure (bad file content, training error, I/O error). */
export const EXIT_FAILURE = 1;
/** Exit status of bad usage: unknown flag, missing required flag, bad flag value. */
export const EXIT_USAGE = 2;
/** Exit status after Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Bad usage of a command (exit status 2). The message names the command and the flag, e.g.
 * `fm train: --epochs expects an integer ≥ 1, got "abc"`.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The subcommand, for the "see fm X --help" hint. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A runtime failure with a message meant for the user (exit status 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * The command stopped on Ctrl-C (exit status 130). The message says what was kept: the outputs
 * left as they were, a checkpoint to resume from.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** The exit status an error maps to. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof InterruptedError) return EXIT_INTERRUPTED;
  return e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

/**
 * The one-line-per-cause message printed for an error: library errors already name their
 * file:line (ParseError) or field, so the message is kept as is; causes are appended. Control
 * characters quoted from data files are escaped.
 */
export function formatError(e: unknown, verbose = false): string {
  return escapeControl(formatErrorText(e, verbose));
}

function formatErrorText(e: unknown, verbose: boolean): string {
  if (e instanceof UsageError) {
    const hint = e.command ? `\nRun "fm ${e.command} --help" for usage.` : '\nRun "fm --help" for usage.';
    return `error: ${e.message}${hint}`;
  }
  if (e instanceof InterruptedError) return `interrupted: ${e.message}`;
  if (e instanceof Error) {
    let msg = `error: ${e.message}`;
    let cause = (e as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      msg += `\n  caused by: ${cause.message}`;
      cause = (cause as { cause?: unknown }).cause;
    }
    if (verbose && e.stack) msg += `\n${e.stack}`;
    return msg;
  }
  return `error: ${String(e)}`;
}
