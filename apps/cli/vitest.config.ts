import { fmVitestConfig } from '@fm/vitest-config';

export default fmVitestConfig();
