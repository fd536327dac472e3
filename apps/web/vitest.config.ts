import { fmVitestConfig } from '@fm/vitest-config';

// One config for both suites: the Node unit tests beside the code and the browser end-to-end test
// (builds the app, serves dist/, drives Debian's Chromium through playwright-core).
export default fmVitestConfig({
  include: ['src/**/*.test.ts', 'e2e/**/*.e2e.test.ts'],
  testTimeout: 240_000,
  hookTimeout: 240_000,
});
