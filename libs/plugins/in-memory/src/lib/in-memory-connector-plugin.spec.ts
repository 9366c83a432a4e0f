import { systemClock } from '@stellaops/integrations-plugin-abstractions';
import {
  InMemorySecretAccessor,
  aPluginHost,
  anIntegrationConfig,
  compileSettingsSchema,
  describeConnectorConformance,
} from '@stellaops/integrations-testing';
import { InMemoryConnectorPlugin, createInMemoryPlugin } from './in-memory-connector-plugin';
import { plugins } from './plugins';

const never = new AbortController().signal;

describeConnectorConformance(createInMemoryPlugin(), {
  network: false,
  timeoutMs: 1000,
  slowSettings: { latencyMs: 30_000 },
  failureCases: [
    {
      name: 'the first call fails while failTimes lasts',
      settings: { failTimes: 1 },
      expect: { phase: 'connect', isTransient: true },
    },
    {
      name: 'health is unhealthy',
      settings: { health: 'unhealthy' },
      expect: { phase: 'api', isTransient: false, status: 'unhealthy' },
    },
    {
      name: 'latency beyond the timeout',
      settings: { latencyMs: 60_000 },
      expect: { isTransient: true },
    },
    {
      name: 'the token cannot be resolved',
      failingSecrets: ['token'],
      expect: { phase: 'auth', isTransient: true },
    },
  ],
  successCases: [
    {
      name: 'health is degraded',
      settings: { health: 'degraded' },
      expect: { status: 'degraded' },
    },
  ],
});

describe('InMemoryConnectorPlugin', () => {
  it('reports healthy by default, with what it simulated in the details', async () => {
    const plugin = createInMemoryPlugin();
    const result = await plugin.testConnection(anIntegrationConfig(), never);

    expect(result).toEqual({
      success: true,
      status: 'healthy',
      message: 'in-memory: healthy',
      phase: null,
      isTransient: false,
      durationMs: 0,
      checkedAt: '2026-01-01T00:00:00.000Z',
      details: {
        operation: 'testConnection',
        attempt: 1,
        latencyMs: 0,
        tokenResolved: false,
        webhookSecretPresent: false,
      },
    });
  });

  it('reports the configured health', async () => {
    const plugin = createInMemoryPlugin();

    const degraded = await plugin.checkHealth(
      anIntegrationConfig({ settings: { health: 'degraded' } }),
      never,
    );
    const unhealthy = await plugin.checkHealth(
      anIntegrationConfig({ settings: { health: 'unhealthy' } }),
      never,
    );

    expect(degraded).toMatchObject({ success: true, status: 'degraded', phase: null });
    expect(unhealthy).toMatchObject({
      success: false,
      status: 'unhealthy',
      phase: 'api',
      isTransient: false,
    });
  });

  it('fails the first failTimes calls of a registration, tests and checks alike, then reports health', async () => {
    const plugin = createInMemoryPlugin();
    const config = anIntegrationConfig({ settings: { failTimes: 2, health: 'degraded' } });

    const first = await plugin.testConnection(config, never);
    const second = await plugin.checkHealth(config, never);
    const third = await plugin.checkHealth(config, never);

    expect(first).toMatchObject({
      success: false,
      phase: 'connect',
      isTransient: true,
      status: 'unhealthy',
      message: 'in-memory: simulated connection failure 1 of 2',
    });
    expect(second).toMatchObject({
      success: false,
      message: 'in-memory: simulated connection failure 2 of 2',
    });
    expect(third).toMatchObject({ success: true, status: 'degraded', details: { attempt: 3 } });
    expect(plugin.callCount(config)).toBe(3);
  });

  it('counts each registration apart, and a draft by tenant and name', async () => {
    const plugin = createInMemoryPlugin();
    const settings = { failTimes: 1 };
    const saved = anIntegrationConfig({ settings });
    await plugin.testConnection(saved, never);

    const other = await plugin.testConnection(anIntegrationConfig({ settings }), never);
    const draft = { integrationId: null, tenantId: 't1', name: 'gh', settings };
    const firstDraft = await plugin.testConnection(anIntegrationConfig(draft), never);
    const sameDraft = await plugin.testConnection(anIntegrationConfig(draft), never);
    const otherTenant = await plugin.testConnection(
      anIntegrationConfig({ ...draft, tenantId: 't2' }),
      never,
    );

    expect(other.success).toBe(false);
    expect(firstDraft.success).toBe(false);
    expect(sameDraft.success).toBe(true);
    expect(otherTenant.success).toBe(false);
    expect((await plugin.testConnection(saved, never)).success).toBe(true);
  });

  it('forgets every registration on reset()', async () => {
    const plugin = createInMemoryPlugin();
    const config = anIntegrationConfig({ settings: { failTimes: 1 } });
    await plugin.testConnection(config, never);
    const client = plugin.createScmAnnotationClient(config);

    plugin.reset();

    expect(plugin.callCount(config)).toBe(0);
    expect((await plugin.testConnection(config, never)).success).toBe(false);
    expect(plugin.createScmAnnotationClient(config)).not.toBe(client);
  });

  it('waits latencyMs before answering', async () => {
    const plugin = createInMemoryPlugin();
    const host = aPluginHost({ clock: systemClock });
    const startedAt = Date.now();

    const result = await plugin.checkHealth(
      anIntegrationConfig({ host, settings: { latencyMs: 80 } }),
      never,
    );

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(75);
    expect(result.durationMs).toBeGreaterThanOrEqual(75);
    expect(result.success).toBe(true);
  });

  it('ends its wait at once when aborted, reporting an unknown status', async () => {
    const plugin = createInMemoryPlugin();
    const controller = new AbortController();
    const config = anIntegrationConfig({ settings: { latencyMs: 30_000 } });
    const startedAt = Date.now();
    setTimeout(() => controller.abort(), 20);

    const result = await plugin.testConnection(config, controller.signal);

    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(result).toMatchObject({
      success: false,
      status: 'unknown',
      phase: null,
      isTransient: true,
    });
    expect(plugin.callCount(config)).toBe(0);
  });

  it('reports a transient failure when latencyMs outlasts the host timeout', async () => {
    const plugin = createInMemoryPlugin();
    const host = aPluginHost({ timeoutMs: 30 });

    const result = await plugin.testConnection(
      anIntegrationConfig({ host, settings: { latencyMs: 10_000 } }),
      never,
    );

    expect(result).toMatchObject({
      success: false,
      isTransient: true,
      phase: 'connect',
      message: 'no answer within 30 ms',
    });
  });

  it('resolves the token on every call when one is configured, and never shows it', async () => {
    const plugin = createInMemoryPlugin();
    const secrets = new InMemorySecretAccessor({ token: 'tok-very-secret' });
    const config = anIntegrationConfig({ secrets });

    const first = await plugin.testConnection(config, never);
    const second = await plugin.checkHealth(config, never);

    expect(secrets.reads).toEqual(['token', 'token']);
    expect(first.details).toMatchObject({ tokenResolved: true });
    expect(JSON.stringify([first, second, config.host.logger.entries])).not.toContain(
      'tok-very-secret',
    );
  });

  it('reports whether its secret setting is set, and never shows it', async () => {
    const plugin = createInMemoryPlugin();
    const config = anIntegrationConfig({ settings: { webhookSecret: 'whsec-very-secret' } });

    const tested = await plugin.testConnection(config, never);
    const checked = await plugin.checkHealth(config, never);

    expect(tested).toMatchObject({ success: true, details: { webhookSecretPresent: true } });
    expect(checked.details).toMatchObject({ webhookSecretPresent: true });
    expect(JSON.stringify([tested, checked, config.host.logger.entries])).not.toContain(
      'whsec-very-secret',
    );
  });

  it('does not ask for a token that is not configured', async () => {
    const plugin = createInMemoryPlugin();
    const config = anIntegrationConfig();

    await plugin.testConnection(config, never);

    expect(config.secrets.reads).toEqual([]);
  });

  it('reports a token that cannot be resolved as a configuration failure', async () => {
    const plugin = createInMemoryPlugin();
    const secrets = new InMemorySecretAccessor(
      {},
      { failing: { token: { isTransient: false, reason: 'access denied' } } },
    );

    const result = await plugin.testConnection(anIntegrationConfig({ secrets }), never);

    expect(result).toMatchObject({
      success: false,
      phase: 'config',
      isTransient: false,
      message: "credential 'token' is unavailable: access denied",
    });
  });

  it.each([
    [{ health: 'sick' }, 'settings.health must be one of healthy, degraded, unhealthy'],
    [{ latencyMs: 60_001 }, 'settings.latencyMs must be an integer from 0 to 60000'],
    [{ latencyMs: 1.5 }, 'settings.latencyMs must be an integer from 0 to 60000'],
    [{ failTimes: -1 }, 'settings.failTimes must be an integer of 0 or more'],
    [
      { colour: 'blue' },
      'unknown setting(s) colour: use health, latencyMs, failTimes, webhookSecret',
    ],
    [{ webhookSecret: '' }, 'settings.webhookSecret must be a non-empty string'],
    [{ webhookSecret: 42 }, 'settings.webhookSecret must be a non-empty string'],
  ])('reports settings %j as a configuration failure', async (settings, message) => {
    const result = await createInMemoryPlugin().testConnection(
      anIntegrationConfig({ settings }),
      never,
    );

    expect(result).toMatchObject({
      success: false,
      phase: 'config',
      isTransient: false,
      message: `in-memory: ${message}`,
    });
  });

  it('declares a settings schema that accepts what the plugin accepts and refuses the rest', () => {
    const validate = compileSettingsSchema(createInMemoryPlugin().manifest.settingsSchema);

    expect(validate({})).toBe(true);
    expect(validate({ health: 'degraded', latencyMs: 60_000, failTimes: 3 })).toBe(true);
    expect(validate({ health: 'sick' })).toBe(false);
    expect(validate({ latencyMs: 60_001 })).toBe(false);
    expect(validate({ failTimes: 0.5 })).toBe(false);
    expect(validate({ colour: 'blue' })).toBe(false);
    expect(validate({ webhookSecret: 'whsec-1' })).toBe(true);
    expect(validate({ webhookSecret: '' })).toBe(false);
    expect(validate({ webhookSecret: 42 })).toBe(false);
  });

  it('marks webhookSecret, and nothing else, as a secret setting (writeOnly)', () => {
    const properties = createInMemoryPlugin().manifest.settingsSchema.properties ?? {};

    expect(
      Object.entries(properties)
        .filter(([, schema]) => schema['writeOnly'] === true)
        .map(([name]) => name),
    ).toEqual(['webhookSecret']);
  });

  it('registers as scm by default and as any type asked for', () => {
    const registry = new InMemoryConnectorPlugin({ type: 'registry' });

    expect(createInMemoryPlugin()).toMatchObject({
      type: 'scm',
      provider: 'in-memory',
      name: 'in-memory',
    });
    expect(registry).toMatchObject({
      type: 'registry',
      provider: 'in-memory',
      name: 'in-memory-registry',
    });
    expect(registry.isAvailable()).toBe(true);
  });

  it('exports its plugins for the loader', () => {
    expect(plugins).toHaveLength(1);
    expect(plugins[0]).toBeInstanceOf(InMemoryConnectorPlugin);
    expect(plugins[0]?.manifest.capabilities).toEqual([
      'test-connection',
      'health-check',
      'scm-annotations',
      'registry',
    ]);
  });

  it('keeps one SCM and one registry per registration', () => {
    const plugin = createInMemoryPlugin();
    const config = anIntegrationConfig();

    expect(plugin.createScmAnnotationClient(config)).toBe(plugin.createScmAnnotationClient(config));
    expect(plugin.createScmAnnotationClient(anIntegrationConfig())).not.toBe(
      plugin.createScmAnnotationClient(config),
    );
    expect(plugin.createRegistryConnector(config)).toBe(plugin.createRegistryConnector(config));
  });

  it('serves the registry content it was created with', async () => {
    const plugin = new InMemoryConnectorPlugin({ registry: { 'team/app': ['v1'] } });

    const page = await plugin
      .createRegistryConnector(anIntegrationConfig())
      .listRepositories({}, never);

    expect(page).toEqual({ items: [{ name: 'team/app' }], nextCursor: null });
  });
});
