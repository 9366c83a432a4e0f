import fs from 'node:fs';
import path from 'node:path';

/** A fixture plugin package: the folder it is copied from and the name it is installed under. */
export interface FixturePlugin {
  readonly from: string;
  readonly name: string;
  /** The version range `package.json` asks for. */
  readonly range: string;
}

/**
 * Installs fixture plugin packages into `pluginsDir` as `npm --prefix <dir> install` would leave
 * them: each under `node_modules/<name>`, all listed in the folder's `package.json`, which is
 * what the service loads when INTEGRATIONS_PLUGINS is not set.
 */
export function installFixturePlugins(pluginsDir: string, plugins: readonly FixturePlugin[]): void {
  for (const plugin of plugins) {
    fs.cpSync(plugin.from, path.join(pluginsDir, 'node_modules', ...plugin.name.split('/')), {
      recursive: true,
    });
  }
  fs.writeFileSync(
    path.join(pluginsDir, 'package.json'),
    JSON.stringify({
      private: true,
      dependencies: Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin.range])),
    }),
  );
}
