import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { compileSettingsSchema, runConformanceChecks } from '@stellaops/integrations-testing';
import type { BuiltService as Started } from '../testing/built-service';
import {
  BUILT_SERVICE_MAIN as mainJs,
  startBuiltService,
  killBuiltService,
} from '../testing/built-service';
import { installFixturePlugins } from '../testing/fixture-plugins';

/**
 * The built service with an ESM-only and a CommonJS plugin installed in PLUGINS_DIR, as an
 * operator installs them (`npm --prefix $PLUGINS_DIR install <plugin>`: the packages in
 * node_modules, their names in its package.json). Run `nx build integrations-service` first when
 * running this file alone.
 */
const fixtures = path.join(__dirname, 'fixtures', 'plugins-dir');

function startService(env: Record<string, string>): Promise<Started> {
  return startBuiltService({ env: { LOG_LEVEL: 'info', ...env } });
}

interface ProviderItem {
  readonly type: string;
  readonly provider: string;
  readonly settingsSchema: Record<string, unknown>;
  readonly plugin: { name: string; package: string; version: string };
}

// Per provider: settings its schema takes, and settings only its dialect refuses.
const dialects = [
  ['acme-2019', '2019-09', { project: 'acme', other: 1 }],
  ['acme-2020', '2020-12', { project: 'acme', labels: ['a', 'b'] }],
  ['acme-draft07', 'draft-07', { project: 'acme', labels: ['a', 'b'] }],
  ['acme-default', 'no $schema', { project: 'acme', labels: ['a', 'b'] }],
] as const;
const valid = { project: 'acme', labels: ['a'] };

describe('plugins installed in PLUGINS_DIR (the built service)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-plugins-dir-'));
  const pluginsDir = path.join(root, 'plugins');
  // Its own folder, as main.int-spec's: the embedded database may run as another account.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-plugins-dir-data-'));
  let service: Started | undefined;
  let providers: ProviderItem[] = [];

  async function call(method: string, route: string, body?: unknown): Promise<Response> {
    const { url, token } = service!;
    return fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  beforeAll(async () => {
    if (!fs.existsSync(mainJs)) {
      throw new Error(`${mainJs} is missing: build the service first (npm test does)`);
    }
    installFixturePlugins(pluginsDir, [
      { from: path.join(fixtures, 'esm-plugin'), name: '@acme/esm-plugin', range: '^2.0.0' },
      { from: path.join(fixtures, 'cjs-plugin'), name: '@acme/cjs-plugin', range: '^1.1.0' },
    ]);
    // INTEGRATIONS_PLUGINS is not set: the service loads what PLUGINS_DIR's package.json lists.
    service = await startService({ DATA_DIR: dataDir, PLUGINS_DIR: pluginsDir });
    const response = await call('GET', '/api/v1/providers');
    expect(response.status).toBe(200);
    providers = ((await response.json()) as { items: ProviderItem[] }).items;
  }, 60_000);

  afterAll(async () => {
    await killBuiltService(service);
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the ESM-only and the CommonJS plugins with their packages and versions', () => {
    expect(
      providers.map((item) => [item.provider, item.plugin.package, item.plugin.version]),
    ).toEqual([
      ['acme-2019', '@acme/esm-plugin', '2.0.0'],
      ['acme-2020', '@acme/esm-plugin', '2.0.0'],
      ['acme-default', '@acme/cjs-plugin', '1.1.0'],
      ['acme-draft07', '@acme/cjs-plugin', '1.1.0'],
      ['in-memory', '@stellaops/integrations-plugin-in-memory', expect.any(String)],
    ]);
  });

  it('refuses at load, in one log line, the plugin whose schema does not compile', () => {
    const lines = service!
      .output()
      .split('\n')
      .filter((line) => line.includes('refused plugin'));
    expect(lines).toEqual([
      expect.stringMatching(
        /refused plugin: package @acme\/cjs-plugin, plugin acme-broken: settingsSchema does not compile as https:\/\/json-schema.org\/draft\/2020-12\/schema: schema is invalid/,
      ),
    ]);
  });

  it.each(dialects)(
    'registers and tests a %s (%s) plugin, refusing what its dialect refuses, as the kit does',
    async (provider, _dialect, refused) => {
      const registration = (settings: unknown) => ({
        name: `${provider}-${Math.random().toString(36).slice(2)}`,
        type: 'ci',
        provider,
        endpoint: 'https://ci.example.test',
        settings,
        credentials: {},
      });
      const created = await call('POST', '/api/v1/integrations', registration(valid));
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const tested = await call('POST', `/api/v1/integrations/${id}/test`);
      expect(await tested.json()).toMatchObject({ success: true, status: 'healthy' });

      const invalid = await call('POST', '/api/v1/integrations', registration(refused));
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { errors: { path: string }[] }).errors).not.toEqual([]);

      // The kit, given the schema the service serves, takes and refuses the same settings.
      const schema = providers.find((item) => item.provider === provider)!.settingsSchema;
      const validate = compileSettingsSchema(schema);
      expect([validate(valid), validate(refused)]).toEqual([true, false]);
      const verdicts = await runConformanceChecks(kitPlugin(provider, schema), {
        scenarios: [],
        settings: valid,
      });
      // The declaration checks: the kit's calls need a plugin that talks to its servers.
      const declared = verdicts.filter((verdict) => verdict.check.startsWith('plugin › '));
      expect(declared.length).toBeGreaterThan(10);
      expect(declared.filter((verdict) => !verdict.passed)).toEqual([]);
    },
    30_000,
  );
});

/** A plugin with the served manifest's schema, for the kit's declaration checks. */
function kitPlugin(
  provider: string,
  settingsSchema: Record<string, unknown>,
): IntegrationConnectorPlugin {
  const result = async () => ({
    success: true,
    status: 'healthy' as const,
    message: 'ok',
    durationMs: 0,
    checkedAt: new Date().toISOString(),
    isTransient: false,
    phase: null,
    details: {},
  });
  return {
    name: provider,
    type: 'ci',
    provider,
    manifest: {
      displayName: provider,
      contractVersion: '1.0',
      settingsSchema,
      credentialSlots: [],
      requiredScopes: [],
      capabilities: ['test-connection', 'health-check'],
    },
    isAvailable: () => true,
    testConnection: result,
    checkHealth: result,
  };
}
