import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { globalOutboundFetch, OUTBOUND_FETCH } from './outbound-fetch';
import { PluginHostFactory } from './plugin-host-factory';
import type { PluginLoaderOptions } from './plugin-loader-options';
import { defaultPluginLoaderOptions, PLUGIN_LOADER_OPTIONS } from './plugin-loader-options';
import { PluginRegistry } from './plugin-registry';

interface PluginSpec {
  readonly name: string;
  readonly type?: string;
  readonly provider?: string;
  readonly contractVersion?: string;
  /** JavaScript source of the isAvailable body; `host` is in scope. */
  readonly isAvailable?: string;
  readonly omit?: string;
}

function pluginSource(spec: PluginSpec): string {
  const manifest = {
    displayName: spec.name,
    contractVersion: spec.contractVersion ?? CONTRACT_VERSION,
    settingsSchema: { type: 'object' },
    credentialSlots: [{ name: 'token', description: 'a token', required: false }],
    requiredScopes: [],
    capabilities: ['test-connection', 'health-check'],
  };
  const members = [
    `name: ${JSON.stringify(spec.name)}`,
    `type: ${JSON.stringify(spec.type ?? 'scm')}`,
    `provider: ${JSON.stringify(spec.provider ?? spec.name)}`,
    `manifest: ${JSON.stringify(manifest)}`,
    `isAvailable(host) { ${spec.isAvailable ?? 'return true;'} }`,
    `async testConnection() { return { success: true }; }`,
    `async checkHealth() { return { status: 'healthy' }; }`,
  ].filter((member) => spec.omit === undefined || !member.startsWith(spec.omit));
  return `{ ${members.join(',\n')} }`;
}

async function writePackage(root: string, name: string, indexJs: string): Promise<void> {
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
  await writeFile(path.join(dir, 'index.js'), indexJs);
}

async function createRegistry(
  options: PluginLoaderOptions,
  configured: readonly string[] = [],
): Promise<PluginRegistry> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(loadServiceConfig({ INTEGRATIONS_PLUGINS: configured.join(',') })),
    ],
    providers: [
      { provide: PLUGIN_LOADER_OPTIONS, useValue: options },
      { provide: OUTBOUND_FETCH, useValue: globalOutboundFetch },
      PluginHostFactory,
      PluginRegistry,
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(PluginRegistry);
}

describe('PluginRegistry', () => {
  let root: string;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'plugin-registry-'));
    await writePackage(
      root,
      '@acme/plugin-good',
      `exports.plugins = [${pluginSource({ name: 'acme-git' })}, ${pluginSource({
        name: 'acme-shared-scm',
        provider: 'shared',
      })}];`,
    );
    await writePackage(
      root,
      '@acme/plugin-single',
      `exports.plugin = ${pluginSource({
        name: 'acme-registry',
        type: 'registry',
        provider: 'acme-reg',
        isAvailable:
          "host.logger.info('checking'); return typeof host.fetch === 'function' && host.timeoutMs > 0 && host.clock.now() instanceof Date;",
      })};`,
    );
    await writePackage(
      root,
      '@acme/plugin-default',
      `exports.default = [${pluginSource({ name: 'acme-ci', type: 'ci' })}, ${pluginSource({
        name: 'acme-shared-registry',
        type: 'registry',
        provider: 'shared',
      })}];`,
    );
    await writePackage(
      root,
      '@acme/plugin-next-major',
      `exports.plugins = [${pluginSource({ name: 'future', contractVersion: '2.0' })}];`,
    );
    await writePackage(
      root,
      '@acme/plugin-dup',
      `exports.plugins = [${pluginSource({ name: 'acme-git-again', provider: 'acme-git' })}];`,
    );
    await writePackage(
      root,
      '@acme/plugin-unavailable',
      `exports.plugins = [
        ${pluginSource({ name: 'says-no', isAvailable: 'return false;' })},
        ${pluginSource({ name: 'throws', isAvailable: "throw new Error('no SDK here');" })},
        ${pluginSource({ name: 'hangs', isAvailable: 'return new Promise(() => {});' })},
        ${pluginSource({ name: 'async-no', isAvailable: 'return Promise.resolve(false);' })}
      ];`,
    );
    await writePackage(root, '@acme/plugin-throws', "throw new Error('boom at load time');");
    await writePackage(
      root,
      '@acme/plugin-malformed',
      `exports.plugins = [${pluginSource({ name: 'no-test', omit: 'async testConnection' })}, 42];`,
    );
    await writePackage(root, '@acme/plugin-empty', 'exports.somethingElse = 1;');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  async function loadAll(): Promise<PluginRegistry> {
    return createRegistry(
      {
        builtInPackages: ['@acme/plugin-good', '@acme/plugin-single'],
        searchPaths: [root],
        availabilityTimeoutMs: 100,
      },
      [
        '@acme/plugin-default',
        '@acme/plugin-next-major',
        '@acme/plugin-dup',
        '@acme/plugin-unavailable',
        '@acme/plugin-throws',
        '@acme/plugin-missing',
        '@acme/plugin-malformed',
        '@acme/plugin-empty',
        '@acme/plugin-good',
      ],
    );
  }

  it('loads the built-in and configured packages, ordered by type then provider', async () => {
    const registry = await loadAll();
    expect(registry.list().map((plugin) => `${plugin.type}/${plugin.provider}`)).toEqual([
      'ci/acme-ci',
      'registry/acme-reg',
      'registry/shared',
      'scm/acme-git',
      'scm/shared',
    ]);
    expect(registry.get('scm', 'acme-git')?.name).toBe('acme-git');
    expect(registry.get('registry', 'shared')?.name).toBe('acme-shared-registry');
    expect(registry.get('scm', 'nope')).toBeUndefined();
  });

  it('refuses each bad package or plugin with a reason, in loading order', async () => {
    const registry = await loadAll();
    const refused = registry.refused();
    expect(refused.map((entry) => entry.source)).toEqual([
      '@acme/plugin-next-major#future',
      '@acme/plugin-dup#acme-git-again',
      '@acme/plugin-unavailable#says-no',
      '@acme/plugin-unavailable#throws',
      '@acme/plugin-unavailable#hangs',
      '@acme/plugin-unavailable#async-no',
      '@acme/plugin-throws',
      '@acme/plugin-missing',
      '@acme/plugin-malformed#no-test',
      '@acme/plugin-malformed#[1]',
      '@acme/plugin-empty',
    ]);
    const reason = (source: string): string =>
      refused.find((entry) => entry.source === source)?.reason ?? '';
    expect(reason('@acme/plugin-next-major#future')).toMatch(/major version 2 differs/);
    expect(reason('@acme/plugin-dup#acme-git-again')).toBe(
      "type 'scm' with provider 'acme-git' is already provided by @acme/plugin-good#acme-git",
    );
    expect(reason('@acme/plugin-unavailable#says-no')).toMatch(/isAvailable returned false/);
    expect(reason('@acme/plugin-unavailable#throws')).toBe('its isAvailable threw: no SDK here');
    expect(reason('@acme/plugin-unavailable#hangs')).toBe(
      'its isAvailable did not answer within 100 ms',
    );
    expect(reason('@acme/plugin-throws')).toBe('loading the package failed: boom at load time');
    expect(reason('@acme/plugin-missing')).toMatch(/not installed .*npm install it/);
    expect(reason('@acme/plugin-malformed#no-test')).toBe('its testConnection is not a function');
    expect(reason('@acme/plugin-malformed#[1]')).toBe('it is not an object');
    expect(reason('@acme/plugin-empty')).toMatch(/exports no plugin/);
  });

  it('logs one warning per refusal, naming the package, the plugin and the reason', async () => {
    const registry = await loadAll();
    const lines = warn.mock.calls.map(([line]) => String(line));
    expect(lines).toHaveLength(registry.refused().length);
    expect(lines).toContain(
      'refused plugin: package @acme/plugin-unavailable, plugin throws: its isAvailable threw: no SDK here',
    );
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('loads the built-in in-memory plugin by package name with the default options', async () => {
    const registry = await createRegistry(defaultPluginLoaderOptions());
    expect(registry.refused()).toEqual([]);
    const plugin = registry.get('scm', 'in-memory');
    expect(plugin?.name).toBe('in-memory');
    expect(plugin?.manifest.contractVersion).toBe(CONTRACT_VERSION);
  });
});
