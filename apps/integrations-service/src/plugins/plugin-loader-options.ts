import { Inject } from '@nestjs/common';

/** The plugins the service always offers, loaded by package name like any third-party one. */
export const BUILT_IN_PLUGIN_PACKAGES: readonly string[] = Object.freeze([
  '@stellaops/integrations-plugin-in-memory',
]);

export interface PluginLoaderOptions {
  /** Loaded first, in order; then the configured INTEGRATIONS_PLUGINS. */
  readonly builtInPackages: readonly string[];
  /** Directories a package name is resolved from, as `require.resolve`'s `paths`. */
  readonly searchPaths: readonly string[];
  /** How long a plugin's `isAvailable` may take before the plugin is refused. */
  readonly availabilityTimeoutMs: number;
}

export const PLUGIN_LOADER_OPTIONS = 'INTEGRATIONS:PLUGIN_LOADER_OPTIONS';

export const InjectPluginLoaderOptions = (): ParameterDecorator => Inject(PLUGIN_LOADER_OPTIONS);

/**
 * Packages resolve from the working directory (where an operator runs `npm install @acme/x`) and
 * from the service's own location (its dependencies, the built-in plugins among them).
 */
export function defaultPluginLoaderOptions(): PluginLoaderOptions {
  return {
    builtInPackages: BUILT_IN_PLUGIN_PACKAGES,
    searchPaths: [process.cwd(), __dirname],
    availabilityTimeoutMs: 5_000,
  };
}
