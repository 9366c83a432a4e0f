import { publishableLibraryConfig } from '../../eslint.config.mjs';

export default publishableLibraryConfig({
  // The kit registers tests through jest's globals, so no import names the peer.
  ignoredDependencies: ['jest'],
});
