module.exports = {
  displayName: 'plugin-host',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/plugin-host',
};
