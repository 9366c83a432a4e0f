// One jest run over every project: `npm test` uses it so that the whole suite reports once.
module.exports = {
  projects: [
    '<rootDir>/libs/*/jest.config.cts',
    '<rootDir>/libs/plugins/*/jest.config.cts',
    '<rootDir>/apps/*/jest.config.cts',
    '<rootDir>/tools/jest.config.cts',
  ],
};
