import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The script's leading `/** … *\/` comment as plain text: its usage. */
export function usageOf(scriptUrl: string): string {
  const text = readFileSync(fileURLToPath(scriptUrl), 'utf8');
  const m = /\/\*\*([\s\S]*?)\*\//.exec(text);
  return m ? (m[1] as string).split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim() : '';
}

/**
 * `parseArgs` for a bench script (`scriptUrl`: its `import.meta.url`): `--help` / `-h` prints the script's header
 * comment (its usage) and exits 0; an unknown or malformed flag prints the error and the usage and exits 2,
 * instead of a stack trace.
 */
export function benchArgs<T extends ParseArgsConfig>(scriptUrl: string, config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usageOf(scriptUrl));
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usageOf(scriptUrl)}`);
    process.exit(2);
  }
}
