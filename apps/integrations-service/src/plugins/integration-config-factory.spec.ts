import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { Database } from '@stellaops/integrations-persistence';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import type { IntegrationConfigInput } from './integration-config-factory';
import { IntegrationConfigFactory } from './integration-config-factory';
import { PluginRegistry } from './plugin-registry';
import { PluginsModule } from './plugins.module';
import { REDACTED } from './redact-secrets';

const ENV_NAME = 'CONFIG_FACTORY_SPEC_TOKEN';
const TOKEN = 'tok-secret-4711';

function fakeDatabase(record: jest.Mock): DynamicModule {
  return {
    module: class FakeDatabaseModule {},
    global: true,
    providers: [{ provide: Database, useValue: { audit: { record } } }],
    exports: [Database],
  };
}

describe('IntegrationConfigFactory', () => {
  let moduleRef: TestingModule;
  let factory: IntegrationConfigFactory;
  let record: jest.Mock;

  const input: IntegrationConfigInput = {
    integrationId: 'i-1',
    tenantId: 't1',
    name: 'dev scm',
    type: 'scm',
    provider: 'in-memory',
    endpoint: 'memory://dev',
    settings: { health: 'healthy' },
    credentials: { token: `authref://env/${ENV_NAME}` },
    actor: 'alice',
  };

  beforeEach(async () => {
    process.env[ENV_NAME] = TOKEN;
    record = jest.fn().mockResolvedValue(undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadServiceConfig({ CHECK_TIMEOUT_MS: '2500' })),
        fakeDatabase(record),
        PluginsModule,
      ],
    }).compile();
    await moduleRef.init();
    factory = moduleRef.get(IntegrationConfigFactory);
  });

  afterEach(async () => {
    delete process.env[ENV_NAME];
    jest.restoreAllMocks();
    await moduleRef.close();
  });

  it('carries the registration and a host bounded by the check timeout', () => {
    const config = factory.create(input);
    expect(config).toMatchObject({
      integrationId: 'i-1',
      tenantId: 't1',
      name: 'dev scm',
      type: 'scm',
      provider: 'in-memory',
      endpoint: 'memory://dev',
      settings: { health: 'healthy' },
    });
    expect(config.secrets.slots).toEqual(['token']);
    expect(config.host.timeoutMs).toBe(2_500);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("resolves secrets at call time, audited for the registration's actor", async () => {
    const config = factory.create(input);
    expect(record).not.toHaveBeenCalled();
    await expect(config.secrets.get('token')).resolves.toBe(TOKEN);
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({ tenantId: 't1', actor: 'alice', integrationId: 'i-1' }),
    );
  });

  it('logs under the plugin, with the registration, redacting what its secrets resolved', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = factory.create(input);
    const other = factory.create({ ...input, integrationId: 'i-2' });
    const value = await config.secrets.get('token');
    config.host.logger.warn(`provider refused ${value}`, { echoed: { authorization: value } });
    other.host.logger.warn('unrelated line');

    expect(warn).toHaveBeenNthCalledWith(1, {
      message: `provider refused ${REDACTED}`,
      echoed: { authorization: REDACTED },
      integrationId: 'i-1',
      provider: 'in-memory',
    });
    expect(warn).toHaveBeenNthCalledWith(2, {
      message: 'unrelated line',
      integrationId: 'i-2',
      provider: 'in-memory',
    });
    expect(Reflect.get(warn.mock.contexts[0] as object, 'context')).toBe('plugin:in-memory');
  });

  it('is what the built-in plugin tests a connection with', async () => {
    const plugin = moduleRef.get(PluginRegistry).get('scm', 'in-memory');
    expect(plugin).toBeDefined();
    const result = await plugin?.testConnection(
      factory.create(input),
      new AbortController().signal,
    );
    expect(result).toMatchObject({ success: true, status: 'healthy' });
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({ details: { slot: 'token', store: 'env' } }),
    );
  });
});
