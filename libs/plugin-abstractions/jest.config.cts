module.exports = {
  displayName: 'plugin-abstractions',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/plugin-abstractions',
};
