module.exports = {
  displayName: 'persistence',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/persistence',
  // A first PGlite cluster takes seconds to create (and more on a busy machine).
  testTimeout: 60_000,
};
