import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { guardedOutboundFactory, OUTBOUND_FACTORY } from './outbound-fetch';
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
  readonly settingsSchema?: Record<string, unknown>;
}

function jestEval(source: string): unknown {
  return new Function(`return ${source};`)();
}

// jest's module sandbox cannot run Node's import(): a spec's ES module fixture is never imported.
const noImport = async (url: string): Promise<unknown> => {
  throw new Error(`unexpected import(${url})`);
};

function pluginSource(spec: PluginSpec): string {
  const manifest = {
    displayName: spec.name,
    contractVersion: spec.contractVersion ?? CONTRACT_VERSION,
    settingsSchema: spec.settingsSchema ?? { type: 'object' },
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

async function writePackage(
  root: string,
  name: string,
  indexJs: string,
  manifest: Record<string, unknown> = { main: 'index.js' },
): Promise<void> {
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.2.3', ...manifest }),
  );
  await writeFile(path.join(dir, 'index.js'), indexJs);
}

function optionsFor(root: string, overrides: Partial<PluginLoaderOptions> = {}) {
  return {
    builtInPackages: [],
    pluginsDir: root,
    serviceDir: root,
    availabilityTimeoutMs: 100,
    importModule: noImport,
    ...overrides,
  };
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
      { provide: OUTBOUND_FACTORY, useFactory: guardedOutboundFactory, inject: [SERVICE_CONFIG] },
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
    await writePackage(
      root,
      '@acme/plugin-bad-schema',
      `exports.plugins = [
        ${pluginSource({ name: 'draft-04', settingsSchema: { $schema: 'http://json-schema.org/draft-04/schema#' } })},
        ${pluginSource({ name: 'nope', settingsSchema: { type: 'object', properties: { a: { type: 'nope' } } } })},
        ${pluginSource({ name: 'draft-2019', provider: 'ok-2019', settingsSchema: { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', unevaluatedProperties: false } })}
      ];`,
    );
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
      optionsFor(root, { builtInPackages: ['@acme/plugin-good', '@acme/plugin-single'] }),
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
    expect(reason('@acme/plugin-missing')).toBe(
      `the package is not installed: looked in ${path.join(root, 'node_modules')} (PLUGINS_DIR) and beside the service; install it with \`npm --prefix ${root} install @acme/plugin-missing\``,
    );
    expect(reason('@acme/plugin-malformed#no-test')).toBe('testConnection is not a function');
    expect(reason('@acme/plugin-malformed#[1]')).toBe('the plugin is not an object');
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

  it('refuses at load a plugin whose settings schema is of an unsupported dialect or does not compile', async () => {
    const registry = await createRegistry(optionsFor(root), ['@acme/plugin-bad-schema']);
    expect(registry.refused()).toEqual([
      {
        source: '@acme/plugin-bad-schema#draft-04',
        reason: expect.stringMatching(
          /^settingsSchema declares \$schema "http:\/\/json-schema.org\/draft-04\/schema#", which is not a supported dialect/,
        ),
      },
      {
        source: '@acme/plugin-bad-schema#nope',
        reason: expect.stringMatching(
          /^settingsSchema does not compile as https:\/\/json-schema.org\/draft\/2020-12\/schema: schema is invalid/,
        ),
      },
    ]);
    expect(registry.get('scm', 'ok-2019')?.name).toBe('draft-2019');
    expect(warn.mock.calls.map(([line]) => String(line))).toContainEqual(
      expect.stringMatching(
        /^refused plugin: package @acme\/plugin-bad-schema, plugin nope: settingsSchema does not compile/,
      ),
    );
  });

  it("loads an ES module package's import entry, and names its version", async () => {
    const esmRoot = await mkdtemp(path.join(os.tmpdir(), 'plugin-registry-esm-'));
    await writePackage(esmRoot, '@acme/esm-only', '', {
      type: 'module',
      exports: { '.': { types: './index.d.ts', import: './esm/index.js' } },
    });
    await mkdir(path.join(esmRoot, 'node_modules/@acme/esm-only/esm'));
    await writeFile(path.join(esmRoot, 'node_modules/@acme/esm-only/esm/index.js'), '');
    const imported: string[] = [];
    const registry = await createRegistry(
      optionsFor(esmRoot, {
        importModule: async (url) => {
          imported.push(url);
          // The namespace Node gives an ES module with `export const plugins = [...]`.
          return { plugins: [jestEval(pluginSource({ name: 'esm', type: 'ci' }))] };
        },
      }),
      ['@acme/esm-only'],
    );
    expect(registry.refused()).toEqual([]);
    expect(imported).toEqual([
      expect.stringMatching(/^file:\/\/.*\/node_modules\/@acme\/esm-only\/esm\/index\.js$/),
    ]);
    const plugin = registry.get('ci', 'esm');
    expect(plugin && registry.origin(plugin)).toEqual({
      packageName: '@acme/esm-only',
      packageVersion: '1.2.3',
    });
    await rm(esmRoot, { recursive: true, force: true });
  });

  it('refuses an exports map with no entry for import(), and a name that is a path', async () => {
    const esmRoot = await mkdtemp(path.join(os.tmpdir(), 'plugin-registry-esm-'));
    await writePackage(esmRoot, '@acme/require-only', '', {
      exports: { '.': { require: './index.js' } },
    });
    const registry = await createRegistry(optionsFor(esmRoot), [
      '@acme/require-only',
      '../outside',
    ]);
    expect(registry.refused()).toEqual([
      {
        source: '@acme/require-only',
        reason:
          'its package.json "exports" has no entry for import() (conditions: node, node-addons, import, module-sync, default)',
      },
      {
        source: '../outside',
        reason:
          "'../outside' is not a package name (INTEGRATIONS_PLUGINS lists names such as @acme/plugin-x, not paths)",
      },
    ]);
    await rm(esmRoot, { recursive: true, force: true });
  });

  it("loads every dependency of PLUGINS_DIR's package.json when INTEGRATIONS_PLUGINS is not set", async () => {
    await writeFile(
      path.join(root, 'package.json'),
      JSON.stringify({
        private: true,
        dependencies: { '@acme/plugin-single': '^1.0.0', '@acme/plugin-default': '^1.0.0' },
      }),
    );
    try {
      const registry = await createRegistry(optionsFor(root));
      expect(registry.list().map((plugin) => plugin.name)).toEqual([
        'acme-ci',
        'acme-registry',
        'acme-shared-registry',
      ]);
      const configured = await createRegistry(optionsFor(root), ['@acme/plugin-good']);
      expect(configured.list().map((plugin) => plugin.name)).toEqual([
        'acme-git',
        'acme-shared-scm',
      ]);
    } finally {
      await rm(path.join(root, 'package.json'));
    }
  });

  it('loads the built-in in-memory plugin by package name with the default options', async () => {
    const registry = await createRegistry(defaultPluginLoaderOptions());
    expect(registry.refused()).toEqual([]);
    const plugin = registry.get('scm', 'in-memory');
    expect(plugin?.name).toBe('in-memory');
    expect(plugin?.manifest.contractVersion).toBe(CONTRACT_VERSION);
  });
});
