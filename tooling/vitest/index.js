// Shared vitest configuration for every fm package.
// Workspace packages are aliased to their TypeScript sources, so tests never need a prior build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkgs = ['data', 'layers', 'train', 'eval'];

/** @param {import('vitest/config').UserConfig['test']} [test] */
export function fmVitestConfig(test = {}) {
  return defineConfig({
    resolve: {
      alias: pkgs.flatMap((p) => [
        { find: new RegExp(`^@fm/${p}/([\\w-]+)$`), replacement: `${root}packages/${p}/src/$1.ts` },
        { find: new RegExp(`^@fm/${p}$`), replacement: `${root}packages/${p}/src/index.ts` },
      ]),
    },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
      ...test,
    },
  });
}
