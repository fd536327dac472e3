import type { Writable } from 'node:stream';
import { escapeControl } from './text.js';

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
  /** Prints a human line on stdout (nothing in `--json` mode); control characters are escaped. */
  print(line?: string): void;
  /** Prints a note on stderr (both modes); control characters are escaped. */
  note(line: string): void;
  /**
   * What was kept, said when the command is interrupted (set by commands once they know their
   * outputs), e.g. `model/ left as it was`.
   */
  kept?: string;
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
      if (!opts.json) stdout.write(`${escapeControl(line)}\n`);
    },
    note(line: string) {
      stderr.write(`${escapeControl(line)}\n`);
    },
  };
}
