module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/persistence',
  // The first test of a process starts its embedded PostgreSQL (initdb: about a second, more on a busy machine).
  testTimeout: 60_000,
};
