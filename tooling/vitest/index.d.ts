import type { UserConfig, ViteUserConfig } from 'vitest/config';
/** The shared vitest config; `test` fields override the defaults. */
export function fmVitestConfig(test?: UserConfig['test']): ViteUserConfig;
