import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginPackageError } from './plugin-package.error';

/** Loads an ES module from a `file:` URL, as `import()` does. */
export type ModuleImporter = (url: string) => Promise<unknown>;

// The service is compiled by tsc to CommonJS, which turns `import()` into `require()`, and
// `require()` cannot load an ES module that awaits at its top level: the expression is built at run
// time so that a real `import()` reaches Node through tsc and the bundler alike.
const dynamicImport = new Function('url', 'return import(url)') as ModuleImporter;

/** Node's own `import()`, for ES modules (jest's module sandbox cannot run it: specs inject one). */
export const nativeImport: ModuleImporter = (url) => dynamicImport(url);

const requireModule = createRequire(__filename);

export interface LoadedPluginPackage {
  readonly name: string;
  readonly version: string;
  /** The package's folder, symbolic links resolved. */
  readonly directory: string;
  /** What it exports as plugins: checked by the caller, not here. */
  readonly candidates: unknown[];
}

export interface PluginPackageLocation {
  /** PLUGINS_DIR: where an operator runs `npm install <plugin>`, searched first. */
  readonly pluginsDir: string;
  /** The service's own location, whose dependencies (the built-in plugins) come next. */
  readonly serviceDir: string;
}

// The conditions Node's `import()` matches in an `exports` map, in its order of preference.
const IMPORT_CONDITIONS = new Set(['node', 'node-addons', 'import', 'module-sync', 'default']);
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The `node_modules` folders Node would search for `packageName` from `base`, nearest first. */
function lookupFolders(packageName: string, base: string): string[] {
  return createRequire(path.join(base, 'package.json')).resolve.paths(packageName) ?? [];
}

function findPackage(packageName: string, location: PluginPackageLocation): string | undefined {
  const folders = [
    ...lookupFolders(packageName, location.pluginsDir),
    ...lookupFolders(packageName, location.serviceDir),
  ];
  for (const folder of new Set(folders)) {
    const directory = path.join(folder, ...packageName.split('/'));
    if (isFile(path.join(directory, 'package.json'))) return realpathSync(directory);
  }
  return undefined;
}

/** The target `import()` takes from an `exports` map for the package's root, if any. */
function exportsTarget(target: Json | undefined): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const entry of target as readonly Json[]) {
      const found = exportsTarget(entry);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isRecord(target)) {
    const conditions = target as { readonly [key: string]: Json };
    for (const [condition, value] of Object.entries(conditions)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const found = exportsTarget(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function rootExport(exportsField: Json): Json | undefined {
  if (isRecord(exportsField) && !Array.isArray(exportsField)) {
    const entries = exportsField as { readonly [key: string]: Json };
    if (Object.keys(entries).some((key) => key.startsWith('.'))) return entries['.'];
  }
  return exportsField;
}

/**
 * Whether Node reads `file` as an ES module: by its extension, else by the `type` of the nearest
 * package.json between it and the package's folder.
 */
function isEsModule(file: string, directory: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let folder = path.dirname(file); ; folder = path.dirname(folder)) {
    const manifest = path.join(folder, 'package.json');
    if (isFile(manifest)) {
      const { type } = JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown };
      return type === 'module';
    }
    if (folder === directory || path.dirname(folder) === folder) return false;
  }
}

/** The file `import(packageName)` loads: Node's resolution of the package's root entry. */
function entryFile(directory: string, manifest: Record<string, Json>): string {
  if (manifest['exports'] !== undefined && manifest['exports'] !== null) {
    const target = exportsTarget(rootExport(manifest['exports']));
    if (target === undefined || !target.startsWith('./')) {
      throw new PluginPackageError(
        `its package.json "exports" has no entry for import() (conditions: ${[...IMPORT_CONDITIONS].join(', ')})`,
      );
    }
    const file = path.resolve(directory, target);
    if (!file.startsWith(directory + path.sep) || !isFile(file)) {
      throw new PluginPackageError(
        `its package.json "exports" names ${target}, which is not a file of the package`,
      );
    }
    return file;
  }
  const main = typeof manifest['main'] === 'string' ? manifest['main'] : 'index.js';
  const candidates = [
    main,
    `${main}.js`,
    `${main}.cjs`,
    `${main}.mjs`,
    path.join(main, 'index.js'),
    'index.js',
  ];
  const file = candidates.map((candidate) => path.resolve(directory, candidate)).find(isFile);
  if (file === undefined) {
    throw new PluginPackageError(`its package.json "main" (${main}) names no file of the package`);
  }
  return file;
}

/**
 * The plugin candidates a module exports: its `plugins` array, else its `plugin`, else its
 * `default` (an array or a single plugin). A CommonJS module's `module.exports` is read as an ES
 * module's namespace.
 */
function candidatesOf(namespace: unknown): unknown[] | undefined {
  const exported =
    isRecord(namespace) && 'module.exports' in namespace ? namespace['module.exports'] : namespace;
  if (!isRecord(exported)) return undefined;
  for (const name of ['plugins', 'plugin', 'default']) {
    const value = exported[name];
    if (value !== undefined && value !== null) return Array.isArray(value) ? [...value] : [value];
  }
  return undefined;
}

/**
 * Finds `packageName` as Node would from PLUGINS_DIR, then from the service's own location, takes
 * the entry `import()` would (an `exports` map with only an `import` condition, as ESM-only
 * packages publish, included), and loads it: an ES module with `import()`, a CommonJS one with
 * `require()`. Throws a `PluginPackageError` that says where it looked and what to run.
 */
export async function loadPluginPackage(
  packageName: string,
  location: PluginPackageLocation,
  importModule: ModuleImporter = nativeImport,
): Promise<LoadedPluginPackage> {
  if (!PACKAGE_NAME.test(packageName)) {
    throw new PluginPackageError(
      `'${packageName}' is not a package name (INTEGRATIONS_PLUGINS lists names such as @acme/plugin-x, not paths)`,
    );
  }
  const directory = findPackage(packageName, location);
  if (directory === undefined) {
    throw new PluginPackageError(
      `the package is not installed: looked in ${path.join(location.pluginsDir, 'node_modules')} (PLUGINS_DIR) and beside the service; install it with \`npm --prefix ${location.pluginsDir} install ${packageName}\``,
    );
  }
  let manifest: Record<string, Json>;
  try {
    manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as Record<
      string,
      Json
    >;
  } catch (error) {
    throw new PluginPackageError(
      `its package.json in ${directory} cannot be read: ${firstLine(error)}`,
    );
  }
  const file = entryFile(directory, manifest);
  let namespace: unknown;
  try {
    namespace = isEsModule(file, directory)
      ? await importModule(pathToFileURL(file).href)
      : requireModule(file);
  } catch (error) {
    throw new PluginPackageError(`loading the package failed: ${firstLine(error)}`);
  }
  const candidates = candidatesOf(namespace);
  if (candidates === undefined) {
    throw new PluginPackageError(
      'the package exports no plugin: export `plugins` (an array of plugins), `plugin` or `default`',
    );
  }
  return {
    name: packageName,
    version: typeof manifest['version'] === 'string' ? manifest['version'] : '(no version)',
    directory,
    candidates,
  };
}

/**
 * The packages PLUGINS_DIR's package.json lists in `dependencies` (what `npm install <plugin>`
 * there records), in name order; empty when it has no package.json.
 */
export function installedPluginPackages(pluginsDir: string): string[] {
  const file = path.join(pluginsDir, 'package.json');
  if (!existsSync(file)) return [];
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PluginPackageError(
      `${file} (PLUGINS_DIR's package.json) cannot be read: ${firstLine(error)}`,
    );
  }
  const dependencies = isRecord(manifest) ? manifest['dependencies'] : undefined;
  return isRecord(dependencies) ? Object.keys(dependencies).sort() : [];
}
