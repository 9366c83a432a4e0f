import { createRequire } from 'node:module';
import { PluginPackageError } from './plugin-package.error';

const load = createRequire(__filename);

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

/**
 * The plugin candidates a package exports: its `plugins` array, else its `plugin`, else its
 * `default` (an array or a single plugin). They are checked by the caller, not here.
 */
export function loadPluginPackage(packageName: string, searchPaths: readonly string[]): unknown[] {
  let resolved: string;
  try {
    resolved = load.resolve(packageName, { paths: [...searchPaths] });
  } catch {
    throw new PluginPackageError(
      `the package is not installed (looked in ${searchPaths.join(', ')}): npm install it next to the service`,
    );
  }
  let exported: unknown;
  try {
    exported = load(resolved);
  } catch (error) {
    throw new PluginPackageError(`loading the package failed: ${errorMessage(error)}`);
  }
  if (isRecord(exported)) {
    for (const name of ['plugins', 'plugin', 'default']) {
      const value = exported[name];
      if (value !== undefined && value !== null) return Array.isArray(value) ? [...value] : [value];
    }
  }
  throw new PluginPackageError(
    'the package exports no plugin: export `plugins` (an array of plugins), `plugin` or `default`',
  );
}
