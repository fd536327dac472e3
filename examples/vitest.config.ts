// The examples run as tests (CI asserts their figures). Shared fm config: @fm/* resolve to sources.
import { fmVitestConfig } from '../tooling/vitest/index.js';

export default fmVitestConfig({ include: ['*.test.ts'], testTimeout: 120_000 });
