import type { Config } from 'jest';

// One jest run over every project: `npm test` uses it so that the whole suite reports once.
const config: Config = {
  projects: ['<rootDir>/libs/*/jest.config.cts', '<rootDir>/libs/plugins/*/jest.config.cts', '<rootDir>/apps/*/jest.config.cts', '<rootDir>/tools/jest.config.cts'],
};

export default config;
