import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/cli */
export const CLI_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The repository root. */
export const ROOT = resolve(CLI_DIR, '../..');
/** The built binary. */
export const BIN = join(CLI_DIR, 'dist', 'bin.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function isStale(pkgDir: string, entry: string): boolean {
  const out = join(pkgDir, 'dist', entry);
  return !existsSync(out) || statSync(out).mtimeMs < newestMtime(join(pkgDir, 'src'));
}

/**
 * Builds (tsc -p tsconfig.build.json) the workspace libraries the CLI imports and then the CLI itself,
 * each only when its dist is missing or older than its sources. turbo's `test` task depends on the
 * libraries' `build` only, so the end-to-end test builds the CLI binary itself.
 */
export function ensureBuilt(): void {
  const pkgs = ['packages/data', 'packages/layers', 'packages/eval', 'packages/train', 'apps/cli'];
  for (const rel of pkgs) {
    const dir = join(ROOT, rel);
    const entry = rel === 'apps/cli' ? 'bin.js' : 'index.js';
    if (!isStale(dir, entry)) continue;
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      // tsc still emits on type errors; go on when the entry point exists (the type errors are shown).
      if (!existsSync(join(dir, 'dist', entry))) throw new Error(`building ${rel} failed:\n${r.stdout}\n${r.stderr}`);
      console.warn(`warning: type errors while building ${rel}:\n${r.stdout.slice(0, 2000)}`);
    }
  }
}
