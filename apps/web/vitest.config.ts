import { fmVitestConfig } from '@fm/vitest-config';

// Two projects: the Node unit tests beside the code, and the browser end-to-end tests (the page is
// built once by the e2e global setup, served from dist/ and driven in Debian's Chromium through
// playwright-core). The e2e files run one at a time: each drives its own Chromium.
export default fmVitestConfig({
  include: [], // each project lists its own files (a project that extends the root adds to its include)
  projects: [
    { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
    {
      extends: true,
      test: {
        name: 'e2e',
        include: ['e2e/**/*.e2e.test.ts'],
        globalSetup: ['e2e/build-app.ts'],
        fileParallelism: false,
        testTimeout: 300_000,
        hookTimeout: 300_000,
      },
    },
  ],
});
