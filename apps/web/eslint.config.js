import config from '@fm/eslint-config';

export default config;
