// One jest run over every project: `npm test` uses it so that the whole suite reports once.
module.exports = {
  // testTimeout is global in a multi-project run: projects' own values do not apply here.
  testTimeout: 60_000,
  projects: [
    '<rootDir>/libs/*/jest.config.cts',
    '<rootDir>/libs/plugins/*/jest.config.cts',
    '<rootDir>/apps/*/jest.config.cts',
    '<rootDir>/tools/jest.config.cts',
  ],
};
