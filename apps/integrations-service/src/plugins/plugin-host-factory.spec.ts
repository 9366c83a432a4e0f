import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { withLogContext } from '../observability/logging/log-context';
import { loadLoggingConfig } from '../observability/logging/logging.config';
import { ServiceLogger } from '../observability/logging/service-logger';
import { captureOutput } from '../observability/logging/testing/capture-output';
import { loadServiceConfig } from '../config/service-config';
import { globalAgent as httpGlobalAgent } from 'node:http';
import { globalAgent as httpsGlobalAgent } from 'node:https';
import type { HostFetch } from '@stellaops/integrations-plugin-abstractions';
import type { OutboundFactory, OutboundRequest } from './outbound-fetch';
import { OUTBOUND_FACTORY } from './outbound-fetch';
import { PluginHostFactory } from './plugin-host-factory';
import { REDACTED } from './redact-secrets';

/** An outbound fetch that answers only when its signal fires, with the signal's reason. */
function hangingFetch(): jest.Mock<ReturnType<HostFetch>, Parameters<HostFetch>> {
  return jest.fn(
    (_input, init = {}) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      }),
  );
}

describe('PluginHostFactory', () => {
  let outbound: ReturnType<typeof hangingFetch>;
  let hosts: PluginHostFactory;
  const agents = { http: httpGlobalAgent, https: httpsGlobalAgent };
  const requests: OutboundRequest[] = [];

  beforeEach(async () => {
    outbound = hangingFetch();
    requests.length = 0;
    const factory: OutboundFactory = (request) => {
      requests.push(request);
      return { fetch: outbound, agents };
    };
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadServiceConfig({ CHECK_TIMEOUT_MS: '150' }))],
      providers: [{ provide: OUTBOUND_FACTORY, useValue: factory }, PluginHostFactory],
    }).compile();
    hosts = moduleRef.get(PluginHostFactory);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('gives the configured check timeout and the system clock', () => {
    const host = hosts.create({ context: 'plugin:x', fields: {} });
    expect(host.timeoutMs).toBe(150);
    expect(Math.abs(host.clock.now().getTime() - Date.now())).toBeLessThan(1_000);
  });

  it("hands the plugin the outbound's agents, built with the registration's TLS choice", () => {
    const onCall = jest.fn();
    const host = hosts.create({
      context: 'plugin:x',
      fields: {},
      outbound: { tls: { insecureSkipVerify: true }, onCall },
    });
    expect(host.agents).toBe(agents);
    expect(requests).toEqual([{ tls: { insecureSkipVerify: true }, onCall }]);
  });

  it("ends an outbound call at the host's timeout", async () => {
    const host = hosts.create({ context: 'plugin:x', fields: {} });
    const started = Date.now();
    await expect(
      host.fetch('https://example.test/api', { method: 'POST', headers: { a: 'b' } }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const [input, init] = outbound.mock.calls[0] ?? [];
    expect(input).toBe('https://example.test/api');
    expect(init).toMatchObject({ method: 'POST', headers: { a: 'b' } });
  });

  it("ends an outbound call as soon as the plugin's own signal fires", async () => {
    const host = hosts.create({ context: 'plugin:x', fields: {} });
    const controller = new AbortController();
    const call = host.fetch('https://example.test/', { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
  });

  it("logs with the host's fields and redacts the secrets known when the line is written", () => {
    const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const secrets: string[] = [];
    const host = hosts.create({
      context: 'plugin:acme',
      fields: { integrationId: 'i-1', provider: 'acme' },
      secrets: () => secrets,
    });
    host.logger.info('token tok-123 accepted', { integrationId: 'spoofed', attempt: 1 });
    secrets.push('tok-123');
    host.logger.error('token tok-123 refused', {
      header: 'Bearer tok-123',
      response: { echoed: ['tok-123'] },
      message: 'a field',
    });

    expect(info.mock.calls).toEqual([
      [{ message: 'token tok-123 accepted', integrationId: 'i-1', provider: 'acme', attempt: 1 }],
    ]);
    expect(error.mock.calls).toEqual([
      [
        {
          message: `token ${REDACTED} refused`,
          header: `Bearer ${REDACTED}`,
          response: { echoed: [REDACTED] },
          _message: 'a field',
          integrationId: 'i-1',
          provider: 'acme',
        },
      ],
    ]);
    expect(Reflect.get(error.mock.contexts[0] as object, 'context')).toBe('plugin:acme');
  });

  it("keeps the log context's fields over the plugin's of the same name", () => {
    const info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const host = hosts.create({ context: 'plugin:acme', fields: { integrationId: 'i-1' } });
    withLogContext({ requestId: 'r-1', tenant: 'acme' }, () =>
      host.logger.info('listed', { requestId: 'spoofed', tenant: 'other', count: 2 }),
    );
    expect(info).toHaveBeenCalledWith({
      message: 'listed',
      requestId: 'r-1',
      tenant: 'acme',
      integrationId: 'i-1',
      count: 2,
    });
  });

  it("writes a plugin line as one JSON line of the service log, the plugin's fields as its keys", () => {
    const output = captureOutput();
    ServiceLogger.install(loadLoggingConfig({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }), output);
    const host = hosts.create({
      context: 'plugin:acme',
      fields: { integrationId: 'i-1', provider: 'acme' },
      secrets: () => ['s3cr3t-value'],
    });
    host.logger.info('listed\nrepositories', {
      count: 3,
      nested: { page: 2, cursor: 'abc', echoed: 'x-s3cr3t-value-y' },
      failure: new Error('refused s3cr3t-value'),
      headers: { Authorization: 'Basic Zm9vOmJhcg==' },
      provider: 'spoofed',
    });
    host.logger.debug('at debug');
    expect(output.chunks).toHaveLength(2);
    expect(output.lines()[0]).toEqual({
      time: expect.any(String),
      level: 'info',
      context: 'plugin:acme',
      count: 3,
      nested: { page: 2, cursor: 'abc', echoed: `x-${REDACTED}-y` },
      // Even at debug: the plugin's errors keep no stack (it would repeat the message unmasked).
      failure: { name: 'Error', message: `refused ${REDACTED}` },
      headers: { Authorization: REDACTED },
      integrationId: 'i-1',
      provider: 'acme',
      msg: 'listed\nrepositories',
    });
    expect(output.lines()[1]).toMatchObject({
      level: 'debug',
      context: 'plugin:acme',
      msg: 'at debug',
    });
    expect(output.chunks.join('')).not.toMatch(/s3cr3t-value|Zm9vOmJhcg==/);
  });
});
