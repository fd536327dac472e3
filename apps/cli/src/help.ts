import { COMMON_OPTIONS, type OptionSpec } from './args.js';
import type { Command } from './command.js';

function flagLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  if (spec.type === 'boolean') return `${short}--${name}`;
  const ph = spec.placeholder ?? (spec.type === 'enum' ? (spec.choices ?? []).join('|') : spec.type === 'int' || spec.type === 'number' ? 'N' : 'VALUE');
  return `${short}--${name} ${ph}`;
}

function describe(spec: OptionSpec): string {
  let d = spec.description;
  if (spec.required) d += ' (required)';
  else if (spec.default !== undefined && spec.type !== 'boolean') d += ` (default: ${String(spec.default)})`;
  return d;
}

/** `fm <command> --help` text. */
export function formatCommandHelp(cmd: Command): string {
  const lines = [`Usage: fm ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description.trim());
  const entries = [...Object.entries(cmd.options), ...Object.entries(COMMON_OPTIONS)];
  const labels = entries.map(([n, s]) => flagLabel(n, s));
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)) + 2);
  lines.push('', 'Options:');
  entries.forEach(([, spec], i) => {
    const label = labels[i] ?? '';
    const pad = label.length >= width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - label.length);
    lines.push(`  ${label}${pad}${describe(spec)}`);
  });
  if (cmd.examples?.length) {
    lines.push('', 'Examples:');
    for (const ex of cmd.examples) lines.push(`  ${ex}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `fm --help` text listing the commands. */
export function formatMainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    `fm ${version}: factorization machines on TensorFlow.js`,
    '',
    'Usage: fm <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --help, and --json to print one JSON object for scripts.',
    'Exit status: 0 success, 1 runtime failure, 2 bad usage, 130 interrupted.',
    '',
    'Start with:  fm demo',
    '',
  ].join('\n');
}
