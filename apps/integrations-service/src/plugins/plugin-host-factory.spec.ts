import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import type { OutboundFetch } from './outbound-fetch';
import { OUTBOUND_FETCH } from './outbound-fetch';
import { PluginHostFactory } from './plugin-host-factory';
import { REDACTED } from './redact-secrets';

/** An outbound fetch that answers only when its signal fires, with the signal's reason. */
function hangingFetch(): jest.Mock<ReturnType<OutboundFetch>, Parameters<OutboundFetch>> {
  return jest.fn(
    (_input, init) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      }),
  );
}

describe('PluginHostFactory', () => {
  let outbound: ReturnType<typeof hangingFetch>;
  let hosts: PluginHostFactory;

  beforeEach(async () => {
    outbound = hangingFetch();
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadServiceConfig({ CHECK_TIMEOUT_MS: '150' }))],
      providers: [{ provide: OUTBOUND_FETCH, useValue: outbound }, PluginHostFactory],
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
    host.logger.error('token tok-123 refused', { header: 'Bearer tok-123' });

    expect(info).toHaveBeenCalledWith({
      message: 'token tok-123 accepted',
      integrationId: 'i-1',
      provider: 'acme',
      attempt: 1,
    });
    expect(error).toHaveBeenCalledWith({
      message: `token ${REDACTED} refused`,
      header: `Bearer ${REDACTED}`,
      integrationId: 'i-1',
      provider: 'acme',
    });
    expect(Reflect.get(error.mock.contexts[0] as object, 'context')).toBe('plugin:acme');
  });
});
