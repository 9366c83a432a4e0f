module.exports = {
  displayName: 'core',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/core',
};
