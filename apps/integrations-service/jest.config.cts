module.exports = {
  displayName: 'integrations-service',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/integrations-service',
};
