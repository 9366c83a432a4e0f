import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { Database } from '@stellaops/integrations-persistence';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import type { IntegrationConfigInput } from './integration-config-factory';
import { IntegrationConfigFactory, secretSettingTexts } from './integration-config-factory';
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

/** Keeps the audit trail's HMAC key out of a data folder (there is none here). */
const AUDIT_KEY = Buffer.alloc(32, 7).toString('base64');

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
    secretSettings: [],
    credentials: { token: `authref://env/${ENV_NAME}` },
    actor: 'alice',
    purpose: 'test',
  };

  beforeEach(async () => {
    process.env[ENV_NAME] = TOKEN;
    record = jest.fn().mockResolvedValue(undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadServiceConfig({
            CHECK_TIMEOUT_MS: '2500',
            SECRETS_ENV_ALLOW: ENV_NAME,
            AUDIT_HMAC_KEY: AUDIT_KEY,
          }),
        ),
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

  it("gives the host the plugin's own time limit when its manifest sets one", () => {
    const registry = moduleRef.get(PluginRegistry);
    const plugin = registry.get('scm', 'in-memory');
    if (plugin === undefined) throw new Error('the in-memory plugin is not loaded');
    jest
      .spyOn(registry, 'get')
      .mockReturnValue({ ...plugin, manifest: { ...plugin.manifest, checkTimeoutMs: 45_000 } });
    expect(factory.create(input).host.timeoutMs).toBe(45_000);
  });

  it("resolves secrets at call time, audited for the registration's actor", async () => {
    const config = factory.create(input);
    expect(record).not.toHaveBeenCalled();
    await expect(config.secrets.get('token')).resolves.toBe(TOKEN);
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({
        tenantId: 't1',
        actor: 'alice',
        integrationId: 'i-1',
      }),
    );
  });

  it('logs under the plugin, with the registration, redacting what its secrets resolved', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = factory.create(input);
    const other = factory.create({ ...input, integrationId: 'i-2' });
    const value = await config.secrets.get('token');
    config.host.logger.warn(`provider refused ${value}`, { echoed: { authorization: value } });
    other.host.logger.warn('unrelated line');

    const lines = warn.mock.calls.map(([line]) => line);
    expect(lines).toEqual([
      {
        message: `provider refused ${REDACTED}`,
        echoed: { authorization: REDACTED },
        integrationId: 'i-1',
        provider: 'in-memory',
      },
      { message: 'unrelated line', integrationId: 'i-2', provider: 'in-memory' },
    ]);
    expect(Reflect.get(warn.mock.contexts[0] as object, 'context')).toBe('plugin:in-memory');
  });

  it('hands the plugin its secret settings, and redacts their values from what it logs', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = factory.create({
      ...input,
      settings: { health: 'healthy', webhookSecret: 'whsec-4711-xyz', note: 'whsec-4711-xyz?' },
      secretSettings: ['webhookSecret'],
    });
    expect(config.settings).toEqual({
      health: 'healthy',
      webhookSecret: 'whsec-4711-xyz',
      note: 'whsec-4711-xyz?',
    });
    expect(config.secrets.resolvedValues()).toEqual(
      expect.arrayContaining(['whsec-4711-xyz', Buffer.from('whsec-4711-xyz').toString('base64')]),
    );
    config.host.logger.warn('signed with whsec-4711-xyz', {
      echoed: Buffer.from('whsec-4711-xyz').toString('base64'),
    });
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      {
        message: `signed with ${REDACTED}`,
        echoed: REDACTED,
        integrationId: 'i-1',
        provider: 'in-memory',
      },
    ]);
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
      expect.objectContaining({
        details: expect.objectContaining({ slot: 'token', store: 'env', purpose: 'test' }),
      }),
    );
  });

  it("keeps the host's settings.outbound from the plugin and warns when verification is off", () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = factory.create({
      ...input,
      settings: { health: 'healthy', outbound: { insecureSkipVerify: true } },
    });
    expect(config.settings).toEqual({ health: 'healthy' });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('TLS certificate verification is off for integration i-1'),
    );
  });
});

describe('IntegrationConfigFactory outbound calls', () => {
  let local: Server;
  let port: number;

  beforeAll(async () => {
    local = createServer((_request, response) => response.end('ok'));
    local.listen(0, '127.0.0.1');
    await once(local, 'listening');
    port = (local.address() as AddressInfo).port;
  });

  afterAll(async () => {
    local.closeAllConnections();
    await new Promise((resolve) => local.close(resolve));
  });

  async function factoryWith(env: Record<string, string>): Promise<{
    factory: IntegrationConfigFactory;
    close: () => Promise<void>;
  }> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadServiceConfig({ AUDIT_HMAC_KEY: AUDIT_KEY, ...env })),
        fakeDatabase(jest.fn().mockResolvedValue(undefined)),
        PluginsModule,
      ],
    }).compile();
    await moduleRef.init();
    return { factory: moduleRef.get(IntegrationConfigFactory), close: () => moduleRef.close() };
  }

  const draft: IntegrationConfigInput = {
    integrationId: null,
    tenantId: 't1',
    name: 'on-prem',
    type: 'scm',
    provider: 'in-memory',
    endpoint: 'http://127.0.0.1/',
    settings: {},
    secretSettings: [],
    credentials: {},
    actor: 'alice',
    purpose: 'test',
  };

  it("refuses loopback by default, and records the refused call for the result's details", async () => {
    const { factory, close } = await factoryWith({});
    try {
      const config = factory.create(draft);
      await expect(config.host.fetch(`http://127.0.0.1:${port}/api`)).rejects.toMatchObject({
        code: 'ERR_OUTBOUND_REFUSED',
        addressClass: 'loopback',
      });
      expect(factory.outboundCalls(config)).toEqual([
        expect.objectContaining({ url: `http://127.0.0.1:${port}/api`, refused: 'loopback' }),
      ]);
      expect(factory.outboundCalls(factory.create(draft))).toEqual([]);
    } finally {
      await close();
    }
  });

  it('reaches it with OUTBOUND_ALLOW_CIDRS, through fetch and the agents', async () => {
    const { factory, close } = await factoryWith({ OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32' });
    try {
      const config = factory.create(draft);
      // An SDK's request through the agent opens the connection; the fetch after it reuses it.
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, agent: config.host.agents.http }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      expect(await (await config.host.fetch(`http://127.0.0.1:${port}/api`)).text()).toBe('ok');
      expect(factory.outboundCalls(config)).toEqual([
        expect.objectContaining({ url: `http://127.0.0.1:${port}`, address: '127.0.0.1' }),
        expect.objectContaining({ address: '127.0.0.1', reused: true, status: 200 }),
      ]);
    } finally {
      await close();
    }
  });
});

describe('secretSettingTexts', () => {
  it("collects the secret settings' texts, inside objects and arrays too, and nothing else", () => {
    expect(
      secretSettingTexts(
        {
          webhookSecret: 'whsec-1',
          login: { user: 'robot', password: 'pw-2', pins: [1234, 'pin-3'] },
          port: 8443,
          empty: '',
          project: 'not-secret',
        },
        ['webhookSecret', 'login', 'port', 'empty', 'absent'],
      ).sort(),
    ).toEqual(['pin-3', 'pw-2', 'robot', 'whsec-1']);
    expect(secretSettingTexts({ project: 'web' }, [])).toEqual([]);
  });
});
