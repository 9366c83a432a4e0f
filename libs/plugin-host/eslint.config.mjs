import { publishableLibraryConfig } from '../../eslint.config.mjs';

// The specs' loopback servers (and the namespace spec using them) use dev-only packages.
export default publishableLibraryConfig({
  ignoredFiles: ['{projectRoot}/test-support/**/*', '{projectRoot}/src/**/*.netns-spec.ts'],
});
