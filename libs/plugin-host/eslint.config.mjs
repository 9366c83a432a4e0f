import { publishableLibraryConfig } from '../../eslint.config.mjs';

export default publishableLibraryConfig();
