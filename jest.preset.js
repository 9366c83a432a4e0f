const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

// Tests import workspace libraries from source, through the same path aliases the editor uses.
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    path.join(__dirname, target),
  ]),
);

const swcOptions = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper,
  transform: {
    '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', swcOptions],
  },
  // ESM-only packages that must be transformed to CommonJS for jest.
  transformIgnorePatterns: [
    '/node_modules/(?!(@octokit|universal-user-agent|before-after-hook|universal-github-app-jwt|toad-cache|jose|content-disposition)/)',
  ],
  coverageReporters: ['text-summary', 'lcov'],
};
