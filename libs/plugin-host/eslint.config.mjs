import { publishableLibraryConfig } from '../../eslint.config.mjs';

// The specs' loopback servers use dev-only packages (selfsigned).
export default publishableLibraryConfig({ ignoredFiles: ['{projectRoot}/test-support/**/*'] });
