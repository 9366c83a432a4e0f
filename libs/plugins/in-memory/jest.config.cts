module.exports = {
  displayName: 'plugin-in-memory',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../../coverage/libs/plugins/in-memory',
};
