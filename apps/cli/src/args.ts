import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** How a flag's text is converted and checked. */
export type OptionType = 'string' | 'boolean' | 'int' | 'number' | 'enum' | 'list';

/** One `--flag` of a command. */
export interface OptionSpec {
  readonly type: OptionType;
  /** One-line help text. */
  readonly description: string;
  /** Single-letter alias (`-k`). */
  readonly short?: string;
  /** Placeholder shown in help, e.g. `FILE`, `N`. */
  readonly placeholder?: string;
  /** Value used when the flag is absent (booleans default to false). */
  readonly default?: string | number | boolean | readonly string[];
  /** Allowed values for `enum` (and for each element of `list` when given). */
  readonly choices?: readonly string[];
  /** Inclusive lower bound for `int`/`number`. */
  readonly min?: number;
  /** Inclusive upper bound for `int`/`number`. */
  readonly max?: number;
  /** Exclusive bounds for `number` (e.g. a fraction in (0, 1)). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  /** The command fails with exit status 2 when this flag is absent. */
  readonly required?: boolean;
}

/** Flags of a command by long name (without the dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { readonly type: 'enum'; readonly choices: readonly (infer C)[] }
  ? C
  : S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'int' | 'number'
    ? number
    : S['type'] extends 'list'
      ? string[]
      : string;

/** The parsed, converted and validated values of a command's flags. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { readonly type: 'boolean' }
    ? boolean
    : O[K] extends { readonly default: unknown } | { readonly required: true }
      ? ValueOf<O[K]>
      : ValueOf<O[K]> | undefined;
};

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  json: { type: 'boolean', description: 'print one JSON object on stdout (for scripts) instead of human output' },
  verbose: { type: 'boolean', description: 'print stack traces on errors' },
} as const satisfies OptionSpecs;

/** Result of {@link parseCommandArgs}. */
export interface ParsedArgs<O extends OptionSpecs> {
  values: OptionValues<O & typeof COMMON_OPTIONS>;
  positionals: string[];
  /** Flags given explicitly on the command line (not defaulted). */
  given: Set<string>;
}

function describeBound(spec: OptionSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? '>' : '≥'} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`${spec.exclusiveMax ? '<' : '≤'} ${spec.max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/**
 * Converts and checks one flag value; throws a {@link UsageError} naming the flag and what was
 * expected. Exported for tests.
 */
export function convertOption(command: string, name: string, spec: OptionSpec, raw: string | boolean): unknown {
  const flag = `--${name}`;
  const fail = (expected: string): never => {
    throw new UsageError(`fm ${command}: ${flag} expects ${expected}, got "${String(raw)}"`, command);
  };
  if (spec.type === 'boolean') return raw === true;
  if (typeof raw !== 'string') return fail('a value');
  switch (spec.type) {
    case 'string':
      if (raw === '') return fail('a non-empty value');
      return raw;
    case 'enum':
      if (!spec.choices?.includes(raw)) return fail(`one of ${(spec.choices ?? []).join('|')}`);
      return raw;
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) return fail('a comma-separated list');
      if (spec.choices) {
        const bad = items.find((s) => !spec.choices?.includes(s.toLowerCase()));
        if (bad !== undefined) {
          throw new UsageError(`fm ${command}: ${flag} got unknown value "${bad}", expected a comma-separated list of ${spec.choices.join('|')}`, command);
        }
        return items.map((s) => s.toLowerCase());
      }
      return items;
    }
    case 'int':
    case 'number': {
      const text = raw.trim();
      const isInt = spec.type === 'int';
      const pattern = isInt ? /^[-+]?\d+$/ : /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
      const kind = isInt ? 'an integer' : 'a number';
      if (!pattern.test(text)) return fail(`${kind}${describeBound(spec)}`);
      const v = Number(text);
      if (!Number.isFinite(v) || (isInt && !Number.isSafeInteger(v))) return fail(`${kind}${describeBound(spec)}`);
      const lowOk = spec.min === undefined || (spec.exclusiveMin ? v > spec.min : v >= spec.min);
      const highOk = spec.max === undefined || (spec.exclusiveMax ? v < spec.max : v <= spec.max);
      if (!lowOk || !highOk) return fail(`${kind}${describeBound(spec)}`);
      return v;
    }
  }
}

/**
 * Parses `argv` against a command's flags with `node:util` `parseArgs` (strict), converts and
 * validates every value, applies defaults and checks required flags. `--help` short-circuits the
 * required check. Unknown flags, missing values and bad values throw {@link UsageError}.
 */
export function parseCommandArgs<O extends OptionSpecs>(
  command: string,
  options: O,
  argv: readonly string[],
  opts: { maxPositionals?: number } = {},
): ParsedArgs<O> {
  const all: OptionSpecs = { ...COMMON_OPTIONS, ...options };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(all)) {
    config[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, all), options: config, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`fm ${command}: ${cleanParseArgsMessage((e as Error).message)}`, command);
  }
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(all)) {
    const raw = parsed.values[name];
    if (raw === undefined) {
      values[name] = spec.type === 'boolean' ? (spec.default ?? false) : spec.default;
      continue;
    }
    given.add(name);
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    values[name] = convertOption(command, name, spec, last as string | boolean);
  }
  if (!values.help) {
    const missing = Object.entries(all).filter(([n, s]) => s.required && values[n] === undefined).map(([n]) => `--${n}`);
    if (missing.length > 0) {
      throw new UsageError(`fm ${command}: missing required flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, command);
    }
    const max = opts.maxPositionals ?? 0;
    if (parsed.positionals.length > max) {
      throw new UsageError(`fm ${command}: unexpected argument "${parsed.positionals[max]}"`, command);
    }
  }
  return { values: values as ParsedArgs<O>['values'], positionals: parsed.positionals, given };
}

/**
 * `--seed -1` → `--seed=-1`: node's parseArgs takes a value that starts with a dash for a flag
 * ("argument is ambiguous"), so a negative number after a flag that expects a value is joined to it.
 */
export function joinNegativeValues(argv: readonly string[], options: OptionSpecs): string[] {
  const byShort = new Map(Object.entries(options).flatMap(([n, s]) => (s.short ? [[s.short, n] as const] : [])));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : /^-[^-]$/.test(a) ? byShort.get(a.slice(1)) : undefined;
    const spec = name !== undefined && !name.includes('=') ? options[name] : undefined;
    if (spec && spec.type !== 'boolean' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Turns node's parseArgs messages into short ones that still name the flag. */
function cleanParseArgsMessage(msg: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missingValue = /Option '([^']+)' argument missing/.exec(msg);
  if (missingValue) return `flag ${missingValue[1]?.replace(/ <value>$/, '')} expects a value`;
  const noValue = /Option '([^']+)' does not take an argument/.exec(msg);
  if (noValue) return `flag ${noValue[1]} does not take a value`;
  return msg.split('\n')[0] ?? msg;
}
