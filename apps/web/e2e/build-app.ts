/**
 * Vitest global setup of the e2e project: builds the page once (`vite build` into dist/) for every
 * e2e file. Skipped, like the suites, when Chromium is missing outside CI.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appDir, skipBrowserSuites } from './chromium.js';

export default function buildApp(): void {
  if (skipBrowserSuites) return;
  const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url));
  const t0 = performance.now();
  const built = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: appDir, encoding: 'utf8', timeout: 300_000 });
  if (built.status !== 0) throw new Error(`vite build failed (${built.status}):\n${built.stdout}\n${built.stderr}`);
  console.log(`e2e: built the page in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
