import type { Writable } from 'node:stream';

/** A writable text stream, optionally a terminal. */
export interface TextStream {
  write(text: string): unknown;
  /** True when the stream is a terminal (progress bars redraw in place). */
  isTTY?: boolean;
  /** Terminal width in columns. */
  columns?: number;
}

/**
 * What a command sees of the outside world, so tests can run commands in-process and capture
 * their output.
 */
export interface CommandContext {
  /** Results (human text or the final JSON object). */
  stdout: TextStream;
  /** Progress and notes. */
  stderr: TextStream;
  /** `--json`: stdout gets one JSON object; human lines are suppressed. */
  json: boolean;
  /** Aborted on Ctrl-C; long loops stop at the next batch. */
  signal: AbortSignal;
  /** Prints a human line on stdout (nothing in `--json` mode). */
  print(line?: string): void;
  /** Prints a note on stderr (both modes). */
  note(line: string): void;
}

/** Builds a context over real or captured streams. */
export function createContext(opts: { stdout: TextStream | Writable; stderr: TextStream | Writable; json: boolean; signal: AbortSignal }): CommandContext {
  const stdout = opts.stdout as TextStream;
  const stderr = opts.stderr as TextStream;
  return {
    stdout,
    stderr,
    json: opts.json,
    signal: opts.signal,
    print(line = '') {
      if (!opts.json) stdout.write(`${line}\n`);
    },
    note(line: string) {
      stderr.write(`${line}\n`);
    },
  };
}
