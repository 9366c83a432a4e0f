import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { CheckResult, IntegrationStatus, LifecycleEvent } from '@stellaops/integrations-core';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import type { CallTiming } from '@stellaops/integrations-plugin-host';
import { anIntegration, anIntegrationConfig } from '@stellaops/integrations-testing';
import type { Principal } from '../auth/principal';
import type { CatalogDatabase } from '../catalog/integrations.service';
import type { RegistrationValidator } from '../catalog/registration-validator';
import type { Metrics } from '../observability/metrics/metrics';
import type { IntegrationConfigFactory } from '../plugins/integration-config-factory';
import type { PluginRegistry } from '../plugins/plugin-registry';
import { CheckRunner } from './check-runner';
import type { HealthConfig } from './health.config';
import { loadHealthConfig } from './health.config';
import { IntegrationChecksService, statusAfterTest } from './integration-checks.service';

describe('statusAfterTest', () => {
  it.each<[IntegrationStatus, boolean, IntegrationStatus | undefined]>([
    ['pending', true, 'active'],
    ['pending', false, 'failed'],
    ['failed', true, 'active'],
    ['failed', false, undefined],
    ['active', true, undefined],
    ['active', false, undefined],
    ['disabled', true, undefined],
    ['disabled', false, undefined],
  ])('moves %s after success=%s to %s', (status, success, expected) => {
    expect(statusAfterTest(status, success)).toBe(expected);
  });
});

const healthConfig: HealthConfig = loadHealthConfig({});

describe('IntegrationChecksService', () => {
  const principal: Principal = { subject: 'alice', tenantId: 'tenant-a', scopes: new Set() };
  const integration = anIntegration({ tenantId: 'tenant-a', status: 'pending', health: 'unknown' });
  const healthy: CheckResult = {
    success: true,
    status: 'healthy',
    message: 'ok',
    durationMs: 3,
    checkedAt: '2026-11-02T10:00:00.000Z',
    isTransient: false,
    phase: null,
    details: {},
  };

  function setUp(
    testConnection: IntegrationConnectorPlugin['testConnection'],
    config: HealthConfig = healthConfig,
    manifest: { checkTimeoutMs?: number } = {},
    saved = integration,
  ) {
    const plugin = {
      name: 'fake',
      type: 'scm',
      provider: 'in-memory',
      manifest,
      testConnection,
      checkHealth: testConnection,
    };
    const uow = {
      integrations: {
        findById: jest.fn(async (_tenant: string, _id: string, _options?: object) => saved),
        recordHealth: jest.fn(async () => ({ integration: saved, previousHealth: 'unknown' })),
      },
      healthHistory: { append: jest.fn(async () => undefined) },
      events: { append: jest.fn(async (_event: LifecycleEvent) => undefined) },
      audit: { record: jest.fn(async () => undefined) },
    };
    const database = {
      integrations: { findById: jest.fn(async () => saved) },
      transaction: jest.fn(async (fn: (unit: typeof uow) => Promise<unknown>) => fn(uow)),
    };
    const configs = {
      create: jest.fn((input: { integrationId: string | null }) =>
        anIntegrationConfig({ integrationId: input.integrationId }),
      ),
      outboundCalls: jest.fn((): CallTiming[] => []),
    };
    const metrics = { recordHealthCheck: jest.fn(), recordTestConnection: jest.fn() };
    const runner = new CheckRunner(
      configs as unknown as IntegrationConfigFactory,
      metrics as unknown as Metrics,
      config,
    );
    const service = new IntegrationChecksService(
      database as unknown as CatalogDatabase,
      { get: () => plugin } as unknown as PluginRegistry,
      runner,
      {
        validateRegistration: () => plugin,
        secretSettings: () => ['webhookSecret'],
      } as unknown as RegistrationValidator,
      config,
    );
    return { service, database, uow, configs, runner, metrics, plugin };
  }

  it('records a saved test with its history, events and the new status', async () => {
    const { service, uow, configs, metrics } = setUp(async () => healthy);
    const before = Date.now();
    const result = await service.testSaved(principal, integration.id, new AbortController().signal);
    expect(result).toEqual(healthy);
    expect(configs.create).toHaveBeenCalledWith(
      expect.objectContaining({ integrationId: integration.id, actor: 'alice' }),
    );
    expect(uow.integrations.findById).toHaveBeenCalledWith('tenant-a', integration.id, {
      forUpdate: true,
    });
    expect(uow.integrations.recordHealth).toHaveBeenCalledWith('tenant-a', integration.id, {
      status: 'healthy',
      consecutiveFailures: 0,
      nextCheckAt: expect.any(String),
      message: 'ok',
      checkedAt: healthy.checkedAt,
      success: true,
      integrationStatus: 'active',
    });
    // The next check is one interval after this one.
    const [[, , update]] = uow.integrations.recordHealth.mock.calls as unknown as [
      [string, string, { nextCheckAt: string }],
    ];
    const next = Date.parse(update.nextCheckAt) - integration.healthCheckIntervalSeconds * 1_000;
    expect(next).toBeGreaterThanOrEqual(before);
    expect(next).toBeLessThanOrEqual(Date.now());
    expect(metrics.recordTestConnection).toHaveBeenCalledWith('in-memory', 0.003);
    expect(metrics.recordHealthCheck).not.toHaveBeenCalled();
    expect(uow.healthHistory.append).toHaveBeenCalledWith(
      expect.objectContaining({ integrationId: integration.id, status: 'healthy', phase: null }),
    );
    expect(uow.events.append.mock.calls.map(([event]) => event.type)).toEqual([
      'integration.connection-tested',
      'integration.health-changed',
    ]);
  });

  it('records a transient failure as degraded (below the threshold), with the event saying so', async () => {
    const failure: CheckResult = {
      ...healthy,
      success: false,
      status: 'unhealthy',
      isTransient: true,
      phase: 'connect',
      message: 'connection refused',
    };
    const { service, uow, metrics } = setUp(async () => failure);
    await service.checkHealth(principal, integration.id, new AbortController().signal);
    expect(uow.integrations.recordHealth).toHaveBeenCalledWith(
      'tenant-a',
      integration.id,
      expect.objectContaining({ status: 'degraded', consecutiveFailures: 1, success: false }),
    );
    // The history keeps the check's own result.
    expect(uow.healthHistory.append).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'unhealthy', phase: 'connect' }),
    );
    const changed = uow.events.append.mock.calls.map(([event]) => event);
    expect(changed).toHaveLength(1);
    expect(changed[0]?.payload).toMatchObject({ previous: 'unknown', current: 'degraded' });
    expect(metrics.recordHealthCheck).toHaveBeenCalledWith('in-memory', 'unhealthy');
  });

  it("bounds a check by the plugin's own time limit when its manifest sets one", async () => {
    // The default would wait a minute; the plugin's 100 ms (and the guard's grace) applies.
    const { service } = setUp(
      () => new Promise<never>(() => undefined),
      { ...healthConfig, checkTimeoutMs: 60_000 },
      { checkTimeoutMs: 100 },
    );
    const result = await service.checkHealth(
      principal,
      integration.id,
      new AbortController().signal,
    );
    expect(result).toMatchObject({ success: false, isTransient: true });
  }, 4_000);

  it('in offline mode attempts nothing and records unknown, saying the site is offline', async () => {
    const testConnection = jest.fn(async () => healthy);
    const { service, uow, configs } = setUp(testConnection, { ...healthConfig, offline: true });
    const result = await service.checkHealth(
      principal,
      integration.id,
      new AbortController().signal,
    );
    expect(testConnection).not.toHaveBeenCalled();
    expect(configs.create).not.toHaveBeenCalled();
    expect(result).toMatchObject({
      success: false,
      status: 'unknown',
      message: expect.stringContaining('offline (INTEGRATIONS_OFFLINE=true)'),
    });
    expect(uow.integrations.recordHealth).toHaveBeenCalledWith(
      'tenant-a',
      integration.id,
      expect.objectContaining({ status: 'unknown' }),
    );
  });

  it('records nothing when the caller went away during the test', async () => {
    const controller = new AbortController();
    const { service, database } = setUp(
      (_config, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () =>
            resolve({ ...healthy, success: false, status: 'unknown' }),
          );
        }),
    );
    const pending = service.testSaved(principal, integration.id, controller.signal);
    setTimeout(() => controller.abort(), 10);
    const result = await pending;
    expect(result).toMatchObject({ success: false, status: 'unknown' });
    expect(database.transaction).not.toHaveBeenCalled();
  });

  it('tests a draft with no id and writes nothing', async () => {
    const { service, database, configs } = setUp(async () => healthy);
    const result = await service.testDraft(
      principal,
      {
        name: 'draft',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://x.example',
        settings: {},
        credentials: {},
      },
      new AbortController().signal,
    );
    expect(result).toEqual(healthy);
    expect(configs.create).toHaveBeenCalledWith(
      expect.objectContaining({ integrationId: null, secretSettings: ['webhookSecret'] }),
    );
    expect(database.transaction).not.toHaveBeenCalled();
  });

  it('hands a saved registration its secret settings, named for redaction', async () => {
    const withSecret = anIntegration({
      ...integration,
      settings: { webhookSecret: 'whsec-1' },
      secretSettings: ['webhookSecret'],
    });
    const { service, configs } = setUp(async () => healthy, healthConfig, {}, withSecret);
    await service.testSaved(principal, withSecret.id, new AbortController().signal);
    expect(configs.create).toHaveBeenCalledWith(
      expect.objectContaining({
        settings: { webhookSecret: 'whsec-1' },
        secretSettings: ['webhookSecret'],
      }),
    );
  });

  it('fails a registration whose secret settings cannot be decrypted in phase config, naming them, without calling the plugin', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const unreadable = anIntegration({
      ...integration,
      settings: { health: 'healthy' },
      secretSettings: ['apiPassword', 'webhookSecret'],
      settingsUnreadable: 'the sealed value "settings.webhookSecret" of integration x failed',
    });
    const testConnection = jest.fn(async () => healthy);
    const { service, configs, uow } = setUp(testConnection, healthConfig, {}, unreadable);
    for (const check of [service.testSaved, service.checkHealth]) {
      const result = await check.call(
        service,
        principal,
        unreadable.id,
        new AbortController().signal,
      );
      expect(result).toMatchObject({
        success: false,
        status: 'unknown',
        phase: 'config',
        isTransient: false,
        message:
          "the stored secret settings settings.apiPassword, settings.webhookSecret of this integration cannot be decrypted with the configured keys (INTEGRATIONS_ENCRYPTION_KEYS or CREDENTIALS_ENCRYPTION_KEY): restore the key they were written with, or send them again (PATCH the integration's settings)",
      });
    }
    expect(testConnection).not.toHaveBeenCalled();
    expect(configs.create).not.toHaveBeenCalled();
    expect(uow.healthHistory.append).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(unreadable.settingsUnreadable);
    warn.mockRestore();
  });

  it("answers phase config with the host's calls when the outbound policy refused one", async () => {
    const { service, configs } = setUp(async () => ({
      ...healthy,
      success: false,
      status: 'unhealthy',
      message: 'unexpected failure (TypeError)',
      phase: 'api',
    }));
    const refused: CallTiming = {
      url: 'http://10.1.2.3/api/v4/version',
      method: 'GET',
      address: null,
      reused: false,
      dnsMs: 0.2,
      connectMs: null,
      tlsMs: null,
      firstByteMs: null,
      totalMs: 0.3,
      error: 'ERR_OUTBOUND_REFUSED',
      refused: 'private',
    };
    configs.outboundCalls.mockReturnValueOnce([refused]);
    const result = await service.testSaved(principal, integration.id, new AbortController().signal);
    expect(result).toMatchObject({
      success: false,
      phase: 'config',
      message: expect.stringContaining('a private (RFC 1918) address; set OUTBOUND_ALLOW_CIDRS'),
      details: { calls: [refused] },
    });
  });

  it('answers a config failure when the configuration cannot be prepared', async () => {
    const { service, configs } = setUp(async () => healthy);
    configs.create.mockImplementationOnce(() => {
      throw new Error('broken: authref://env/SECRET_SHAPED');
    });
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const result = await service.testSaved(principal, integration.id, new AbortController().signal);
    expect(result).toMatchObject({ success: false, phase: 'config', isTransient: false });
    // Only the error's type is logged: its message could quote a credential.
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).not.toContain('SECRET_SHAPED');
    error.mockRestore();
  });

  it('leaves the health alone and answers 503 on a replica that lacks the plugin', async () => {
    const { database, uow, runner } = setUp(async () => healthy);
    const service = new IntegrationChecksService(
      database as unknown as CatalogDatabase,
      { get: () => undefined } as unknown as PluginRegistry,
      runner,
      {} as RegistrationValidator,
      healthConfig,
    );
    for (const check of [service.testSaved, service.checkHealth]) {
      const answer = check.call(service, principal, integration.id, new AbortController().signal);
      await expect(answer).rejects.toMatchObject({
        status: 503,
        message: expect.stringMatching(
          /^this replica lacks the plugin for provider in-memory \(type scm\), so it does not check/,
        ),
      });
    }
    expect(database.transaction).not.toHaveBeenCalled();
    expect(uow.integrations.recordHealth).not.toHaveBeenCalled();
  });
});
