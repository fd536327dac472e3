import type { OptionSpecs, ParsedArgs } from './args.js';
import type { CommandContext } from './context.js';

/** A JSON-serialisable result object printed by `--json`. */
export type JsonResult = Record<string, unknown>;

/**
 * One subcommand: its flags, help text and implementation. `run` prints human output through
 * `ctx.print` and returns the object that `--json` prints.
 */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** One line for `fm --help`. */
  readonly summary: string;
  /** Usage line(s) without the leading `fm `. */
  readonly usage: string;
  /** Paragraphs printed under the usage line. */
  readonly description?: string;
  readonly options: O;
  readonly examples?: readonly string[];
  /** Number of positional arguments accepted (default 0). */
  readonly maxPositionals?: number;
  /** The command writes no file: Ctrl-C ends it at once (exit 130) instead of at its next check. */
  readonly readOnly?: boolean;
  run(args: ParsedArgs<O>, ctx: CommandContext): Promise<JsonResult>;
}

/** Declares a command with its flag types inferred from `options`. */
export function defineCommand<const O extends OptionSpecs>(cmd: Command<O>): Command<O> {
  return cmd;
}
