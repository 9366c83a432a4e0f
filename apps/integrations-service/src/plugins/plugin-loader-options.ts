import path from 'node:path';
import { Inject } from '@nestjs/common';
import type { ModuleImporter } from './plugin-package';
import { nativeImport } from './plugin-package';

/** The plugins the service always offers, loaded by package name like any third-party one. */
export const BUILT_IN_PLUGIN_PACKAGES: readonly string[] = Object.freeze([
  '@stellaops/integrations-plugin-in-memory',
]);

/** PLUGINS_DIR when it is not set: `plugins/` under the working directory. */
export const DEFAULT_PLUGINS_DIR = 'plugins';

export interface PluginLoaderOptions {
  /** Loaded first, in order; then the configured INTEGRATIONS_PLUGINS (or PLUGINS_DIR's). */
  readonly builtInPackages: readonly string[];
  /**
   * PLUGINS_DIR: a folder with its own package.json where an operator runs `npm install <plugin>`.
   * Packages resolve from it first, then from `serviceDir`.
   */
  readonly pluginsDir: string;
  /** The service's own location: its dependencies, the built-in plugins among them. */
  readonly serviceDir: string;
  /** How long a plugin's `isAvailable` may take before the plugin is refused. */
  readonly availabilityTimeoutMs: number;
  /** How a package's ES module entry is loaded: Node's `import()` outside tests. */
  readonly importModule: ModuleImporter;
}

export const PLUGIN_LOADER_OPTIONS = 'INTEGRATIONS:PLUGIN_LOADER_OPTIONS';

export const InjectPluginLoaderOptions = (): ParameterDecorator => Inject(PLUGIN_LOADER_OPTIONS);

/** PLUGINS_DIR, resolved against the working directory. */
export function pluginsDirFrom(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env['PLUGINS_DIR']?.trim();
  return path.resolve(
    configured === undefined || configured === '' ? DEFAULT_PLUGINS_DIR : configured,
  );
}

export function defaultPluginLoaderOptions(): PluginLoaderOptions {
  return {
    builtInPackages: BUILT_IN_PLUGIN_PACKAGES,
    pluginsDir: pluginsDirFrom(process.env),
    serviceDir: __dirname,
    availabilityTimeoutMs: 5_000,
    importModule: nativeImport,
  };
}
