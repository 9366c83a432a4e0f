import { publishableLibraryConfig } from '../../eslint.config.mjs';

export default publishableLibraryConfig({
  ignoredFiles: ['{projectRoot}/src/**/fixtures/**'],
});
