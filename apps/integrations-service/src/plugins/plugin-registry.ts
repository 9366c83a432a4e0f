import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { TimeoutError, withTimeout } from '@stellaops/integrations-plugin-abstractions';
import { pluginShapeProblem, SettingsSchemaCompiler } from '@stellaops/integrations-plugin-host';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { PluginHostFactory } from './plugin-host-factory';
import type { PluginLoaderOptions } from './plugin-loader-options';
import { InjectPluginLoaderOptions } from './plugin-loader-options';
import type { LoadedPluginPackage } from './plugin-package';
import { installedPluginPackages, loadPluginPackage } from './plugin-package';
import { PluginPackageError } from './plugin-package.error';

export interface RefusedPlugin {
  /** The package, or `package#plugin` when the package loaded and one of its plugins was refused. */
  readonly source: string;
  readonly reason: string;
}

/** Where a loaded plugin came from. */
export interface PluginOrigin {
  readonly packageName: string;
  readonly packageVersion: string;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byTypeThenProvider(a: IntegrationConnectorPlugin, b: IntegrationConnectorPlugin): number {
  return compareText(a.type, b.type) || compareText(a.provider, b.provider);
}

function keyOf(type: string, provider: string): string {
  return `${type}\u0000${provider}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The connector plugins this replica offers: the built-in packages, then INTEGRATIONS_PLUGINS (or,
 * when it is not set, every package PLUGINS_DIR's package.json depends on), all loaded by package
 * name the same way at start, from PLUGINS_DIR first. A package that does not load, or a plugin
 * that breaks the plugin host's shape rules (a settings schema that does not compile among them),
 * is built for another contract version, is a second one for a (type, provider), or is not
 * available in this host, is refused with one warning and the service runs without it.
 */
@Injectable()
export class PluginRegistry implements OnModuleInit {
  private readonly logger = new Logger('Plugins');
  private readonly byKey = new Map<string, IntegrationConnectorPlugin>();
  private readonly sourceOf = new Map<IntegrationConnectorPlugin, string>();
  private readonly originOf = new Map<IntegrationConnectorPlugin, PluginOrigin>();
  private readonly refusals: RefusedPlugin[] = [];
  private sorted: readonly IntegrationConnectorPlugin[] = [];

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig,
    @InjectPluginLoaderOptions() private readonly options: PluginLoaderOptions,
    @Inject(PluginHostFactory) private readonly hosts: PluginHostFactory,
  ) {}

  async onModuleInit(): Promise<void> {
    const { pluginsDir, serviceDir, importModule } = this.options;
    const packages = [...new Set([...this.options.builtInPackages, ...this.thirdParty()])];
    for (const packageName of packages) {
      let loaded: LoadedPluginPackage;
      try {
        loaded = await loadPluginPackage(packageName, { pluginsDir, serviceDir }, importModule);
      } catch (error) {
        if (!(error instanceof PluginPackageError)) throw error;
        this.refuse(packageName, undefined, error.message);
        continue;
      }
      for (const [index, candidate] of loaded.candidates.entries()) {
        await this.admit(loaded, index, candidate);
      }
    }
    this.sorted = Object.freeze([...this.byKey.values()].sort(byTypeThenProvider));
  }

  /** Every loaded plugin, ordered by type, then provider. */
  list(): readonly IntegrationConnectorPlugin[] {
    return this.sorted;
  }

  get(type: string, provider: string): IntegrationConnectorPlugin | undefined {
    return this.byKey.get(keyOf(type, provider));
  }

  /** The package (and its version) a loaded plugin came from. */
  origin(plugin: IntegrationConnectorPlugin): PluginOrigin | undefined {
    return this.originOf.get(plugin);
  }

  /** The packages and plugins refused at start, in loading order, with the reason. */
  refused(): readonly RefusedPlugin[] {
    return this.refusals;
  }

  /** INTEGRATIONS_PLUGINS, or when it is not set, what PLUGINS_DIR's package.json lists. */
  private thirdParty(): readonly string[] {
    if (this.config.plugins.length > 0) return this.config.plugins;
    const { pluginsDir } = this.options;
    let installed: string[];
    try {
      installed = installedPluginPackages(pluginsDir);
    } catch (error) {
      if (!(error instanceof PluginPackageError)) throw error;
      this.logger.warn(`no third-party plugins loaded: ${error.message}`);
      return [];
    }
    if (installed.length === 0) {
      this.logger.log(
        `no third-party plugins installed in ${pluginsDir} (PLUGINS_DIR); add one with \`npm --prefix ${pluginsDir} install <package>\``,
      );
    }
    return installed;
  }

  private async admit(
    loaded: LoadedPluginPackage,
    index: number,
    candidate: unknown,
  ): Promise<void> {
    const packageName = loaded.name;
    const name = (candidate as { name?: unknown } | null)?.name;
    const label = typeof name === 'string' && name.trim() !== '' ? name : `[${index}]`;
    const shape = pluginShapeProblem(candidate, { compiler: SettingsSchemaCompiler.shared() });
    if (shape !== undefined) return this.refuse(packageName, label, shape);
    const plugin = candidate as IntegrationConnectorPlugin;
    const unavailable = await this.unavailability(packageName, plugin);
    if (unavailable !== undefined) return this.refuse(packageName, label, unavailable);
    const key = keyOf(plugin.type, plugin.provider);
    const first = this.byKey.get(key);
    if (first !== undefined) {
      return this.refuse(
        packageName,
        label,
        `type '${plugin.type}' with provider '${plugin.provider}' is already provided by ${this.sourceOf.get(first)}`,
      );
    }
    const source = `${packageName}#${label}`;
    this.byKey.set(key, plugin);
    this.sourceOf.set(plugin, source);
    this.originOf.set(plugin, { packageName, packageVersion: loaded.version });
    this.logger.log(
      `loaded plugin ${source} (type ${plugin.type}, provider ${plugin.provider}) from ${packageName}@${loaded.version} in ${loaded.directory}`,
    );
  }

  /** Why the plugin cannot run here, or undefined when its `isAvailable` says it can in time. */
  private async unavailability(
    packageName: string,
    plugin: IntegrationConnectorPlugin,
  ): Promise<string | undefined> {
    const host = this.hosts.create({
      context: `plugin:${plugin.name}`,
      fields: { plugin: plugin.name, package: packageName },
    });
    const timeoutMs = this.options.availabilityTimeoutMs;
    try {
      const available = await withTimeout(async () => plugin.isAvailable(host), { timeoutMs });
      return available === true
        ? undefined
        : `it is not available in this host (isAvailable returned ${String(available)})`;
    } catch (error) {
      return error instanceof TimeoutError
        ? `its isAvailable did not answer within ${timeoutMs} ms`
        : `its isAvailable threw: ${errorMessage(error)}`;
    }
  }

  private refuse(packageName: string, plugin: string | undefined, reason: string): void {
    const source = plugin === undefined ? packageName : `${packageName}#${plugin}`;
    this.refusals.push(Object.freeze({ source, reason }));
    this.logger.warn(
      `refused plugin: package ${packageName}${plugin === undefined ? '' : `, plugin ${plugin}`}: ${reason}`,
    );
  }
}
