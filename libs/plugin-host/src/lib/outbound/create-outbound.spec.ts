import { request as httpsRequest } from 'node:https';
import type { Agent } from 'node:https';
import { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import type { Certificate, LoopbackServer } from '../../../test-support/loopback-servers';
import {
  closedPort,
  fakeResolver,
  selfSigned,
  startConnectProxy,
  startHttpServer,
  startHttpsServer,
} from '../../../test-support/loopback-servers';
import type { CallTiming } from './call-timing';
import type { Outbound, OutboundOptions } from './create-outbound';
import { createOutbound } from './create-outbound';
import { OutboundRefusedError } from './outbound-refused.error';

// Every server here listens on 127.0.0.1, and every name resolves through a fake resolver to a
// loopback address: even a broken guard can reach no other machine. (The namespace spec covers
// non-loopback targets, where nothing can leave.)
const LOOPBACK_ONLY = { allowCidrs: ['127.0.0.1/32'] };

const outbounds: Outbound[] = [];
const servers: LoopbackServer[] = [];

function outbound(options: Partial<OutboundOptions> & { calls?: CallTiming[] } = {}): Outbound {
  const { calls, ...rest } = options;
  const created = createOutbound({
    policy: LOOPBACK_ONLY,
    resolver: fakeResolver({}),
    ...(calls === undefined ? {} : { onCall: (timing) => calls.push(timing) }),
    ...rest,
  });
  outbounds.push(created);
  return created;
}

async function server<T extends LoopbackServer>(started: Promise<T>): Promise<T> {
  const running = await started;
  servers.push(running);
  return running;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** An SDK's way: `https.request` with the host's agent, no fetch involved. */
function sdkGet(
  agent: Agent,
  host: string,
  port: number,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host, port, path: '/v2/', agent, ...extra }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

afterEach(async () => {
  outbounds.splice(0).forEach((each) => each.destroy());
  await Promise.all(servers.splice(0).map((each) => each.close()));
});

describe('createOutbound on loopback', () => {
  let certificate: Certificate;

  beforeAll(async () => {
    certificate = await selfSigned('registry.test', 'slow.test');
  });

  it('reaches a local server once OUTBOUND_ALLOW_CIDRS allows 127.0.0.1/32, and times the call', async () => {
    const local = await server(startHttpServer((_request, response) => response.end('pong')));
    const calls: CallTiming[] = [];
    const { fetch } = outbound({ calls });
    const response = await fetch(`http://127.0.0.1:${local.port}/ping?token=abc`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('pong');
    expect(response.url).toBe(`http://127.0.0.1:${local.port}/ping?token=abc`);
    await (await fetch(`http://127.0.0.1:${local.port}/again`)).text();
    expect(calls).toEqual([
      expect.objectContaining({
        url: `http://127.0.0.1:${local.port}/ping`,
        method: 'GET',
        address: '127.0.0.1',
        reused: false,
        tlsMs: null,
        status: 200,
      }),
      expect.objectContaining({ address: '127.0.0.1', reused: true, dnsMs: null, status: 200 }),
    ]);
    expect(calls[0]?.connectMs).toEqual(expect.any(Number));
    expect(calls[0]?.firstByteMs).toEqual(expect.any(Number));
  });

  it.each(['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]'])(
    'refuses %s with the default policy before any connection',
    async (host) => {
      const local = await server(startHttpServer((_request, response) => response.end()));
      const calls: CallTiming[] = [];
      const { fetch } = outbound({ policy: { allowCidrs: [] }, calls });
      const error = await rejectionOf(fetch(`http://${host}:${local.port}/`));
      expect(error).toBeInstanceOf(OutboundRefusedError);
      expect((error as Error).message).toContain('OUTBOUND_ALLOW_CIDRS');
      expect(CheckRecorder.start().fromError(error)).toMatchObject({
        phase: 'config',
        isTransient: false,
        message: (error as Error).message,
      });
      expect(local.paths).toEqual([]);
      expect(calls).toEqual([
        expect.objectContaining({ error: 'ERR_OUTBOUND_REFUSED', address: null, connectMs: null }),
      ]);
    },
  );

  it('resolves once per connection and connects to the checked address (DNS rebinding)', async () => {
    const local = await server(
      startHttpServer((_request, response) => {
        // A new connection for the next call, so that the name is resolved again.
        response.setHeader('connection', 'close');
        response.end('first');
      }),
    );
    const resolver = fakeResolver({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const calls: CallTiming[] = [];
    const { fetch } = outbound({ resolver, calls });
    const first = await fetch(`http://rebind.test:${local.port}/`);
    expect(await first.text()).toBe('first');
    expect(resolver.lookups).toEqual(['rebind.test']);
    expect(calls[0]?.address).toBe('127.0.0.1');
    const second = await rejectionOf(fetch(`http://rebind.test:${local.port}/`));
    expect(second).toMatchObject({ addressClass: 'loopback', address: '127.0.0.2' });
    expect(resolver.lookups).toEqual(['rebind.test', 'rebind.test']);
    expect(local.paths).toEqual(['/']);
  });

  it.each([
    ['a metadata name', 'http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['loopback outside the allowed block', 'http://127.0.0.2:{port}/admin', 'loopback'],
    ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:{port}/admin', 'ipv4-mapped'],
    ['a decimal loopback', 'http://2130706434:{port}/admin', 'loopback'],
  ])(
    'checks every redirect hop: a redirect to %s is refused',
    async (_name, target, addressClass) => {
      const local = await server(
        startHttpServer((request, response) => {
          if (request.url === '/start') {
            response.writeHead(302, {
              location: target.replace('{port}', String(local.port)),
            });
          }
          response.end('reached');
        }),
      );
      const calls: CallTiming[] = [];
      // Were the name check broken, the metadata name would land on this loopback server.
      const resolver = fakeResolver({ 'metadata.google.internal': [['127.0.0.1']] });
      const { fetch } = outbound({ resolver, calls });
      const error = await rejectionOf(fetch(`http://127.0.0.1:${local.port}/start`));
      expect(error).toMatchObject({ name: 'OutboundRefusedError', addressClass });
      expect(CheckRecorder.start().fromError(error).phase).toBe('config');
      expect(local.paths).toEqual(['/start']);
      expect(resolver.lookups).toEqual([]);
      expect(calls.map((call) => call.status ?? call.refused)).toEqual([302, addressClass]);
    },
  );

  it('follows allowed redirects, drops credentials across origins and stops at the hop limit', async () => {
    const seen: (string | undefined)[] = [];
    const local = await server(
      startHttpServer((request, response) => {
        seen.push(request.headers.authorization);
        if (request.url === '/loop') response.writeHead(302, { location: '/loop' });
        else if (request.url === '/other-origin') {
          response.writeHead(307, { location: `http://allowed.test:${local.port}/final` });
        }
        response.end(request.url);
      }),
    );
    const resolver = fakeResolver({ 'allowed.test': [['127.0.0.1']] });
    const { fetch } = outbound({ resolver, maxRedirects: 3 });
    const moved = await fetch(`http://127.0.0.1:${local.port}/other-origin`, {
      headers: { authorization: 'Bearer secret' },
    });
    expect(await moved.text()).toBe('/final');
    expect(moved.redirected).toBe(true);
    expect(seen).toEqual(['Bearer secret', undefined]);
    const looping = await rejectionOf(fetch(`http://127.0.0.1:${local.port}/loop`));
    expect(looping).toMatchObject({ cause: { code: 'ERR_TOO_MANY_REDIRECTS' } });
  });

  it("lets an SDK use the host's https agent with the registration's CA", async () => {
    const registry = await server(
      startHttpsServer(certificate, (_request, response) => response.end('{"ok":true}')),
    );
    const resolver = fakeResolver({ 'registry.test': [['127.0.0.1']] });
    const calls: CallTiming[] = [];
    const trusted = outbound({ resolver, calls, tls: { ca: certificate.cert } });
    await expect(sdkGet(trusted.agents.https, 'registry.test', registry.port)).resolves.toEqual({
      status: 200,
      body: '{"ok":true}',
    });
    expect(calls).toEqual([
      expect.objectContaining({
        url: `https://registry.test:${registry.port}`,
        address: '127.0.0.1',
        tlsMs: expect.any(Number),
        firstByteMs: expect.any(Number),
      }),
    ]);

    // Without the CA the handshake fails, and a per-request opt-out does not override the host.
    const untrusted = outbound({ resolver });
    const failure = await rejectionOf(
      sdkGet(untrusted.agents.https, 'registry.test', registry.port, {
        rejectUnauthorized: false,
      }),
    );
    expect(CheckRecorder.start().fromError(failure).phase).toBe('tls');

    const skipping = outbound({ resolver, tls: { insecureSkipVerify: true } });
    await expect(sdkGet(skipping.agents.https, 'registry.test', registry.port)).resolves.toEqual(
      expect.objectContaining({ status: 200 }),
    );
  });

  it("refuses an SDK's connection through the agent as fetch does, and reports it", async () => {
    const calls: CallTiming[] = [];
    const closed = outbound({ policy: { allowCidrs: [] }, calls });
    const error = await rejectionOf(sdkGet(closed.agents.https, '0x7f000001', 443));
    expect(error).toMatchObject({ name: 'OutboundRefusedError', addressClass: 'loopback' });
    expect(calls).toEqual([
      expect.objectContaining({ refused: 'loopback', error: 'ERR_OUTBOUND_REFUSED' }),
    ]);
  });

  it('reads a CA given as a function once, at the first secure connection', async () => {
    const registry = await server(
      startHttpsServer(certificate, (_request, response) => {
        response.setHeader('connection', 'close');
        response.end('ok');
      }),
    );
    const loadCa = jest.fn(async () => certificate.cert);
    const { fetch } = outbound({
      resolver: fakeResolver({ 'registry.test': [['127.0.0.1']] }),
      tls: { ca: loadCa },
    });
    expect(loadCa).not.toHaveBeenCalled();
    for (let call = 0; call < 2; call++) {
      expect(await (await fetch(`https://registry.test:${registry.port}/`)).text()).toBe('ok');
    }
    expect(loadCa).toHaveBeenCalledTimes(1);
  });

  it('times a slow TLS handshake and a slow first byte where they happen', async () => {
    const slow = await server(
      startHttpsServer(
        certificate,
        (_request, response) => setTimeout(() => response.end('late'), 150),
        300,
      ),
    );
    const calls: CallTiming[] = [];
    const { fetch } = outbound({
      resolver: fakeResolver({ 'slow.test': [['127.0.0.1']] }),
      tls: { ca: certificate.cert },
      calls,
    });
    expect(await (await fetch(`https://slow.test:${slow.port}/`)).text()).toBe('late');
    const [timing] = calls;
    expect(timing?.tlsMs).toBeGreaterThanOrEqual(280);
    expect(timing?.firstByteMs).toBeGreaterThanOrEqual(140);
    expect(timing?.firstByteMs).toBeLessThan(280);
    expect(timing?.connectMs).toBeLessThan(100);
    expect(timing?.totalMs).toBeGreaterThanOrEqual(420);
  });

  it('times a refused connection: DNS done, connect failed, no TLS, no first byte', async () => {
    const port = await closedPort();
    const calls: CallTiming[] = [];
    const { fetch } = outbound({
      resolver: fakeResolver({ 'down.test': [['127.0.0.1']] }),
      calls,
    });
    const error = await rejectionOf(fetch(`https://down.test:${port}/`));
    expect(CheckRecorder.start().fromError(error)).toMatchObject({
      phase: 'connect',
      details: { code: 'ECONNREFUSED' },
    });
    expect(calls).toEqual([
      expect.objectContaining({
        address: '127.0.0.1',
        dnsMs: expect.any(Number),
        connectMs: null,
        tlsMs: null,
        firstByteMs: null,
        error: 'ECONNREFUSED',
      }),
    ]);
  });

  it('tunnels through an allowed proxy to the checked address, and honours NO_PROXY', async () => {
    const registry = await server(
      startHttpsServer(certificate, (_request, response) => response.end('via')),
    );
    const proxy = await server(startConnectProxy());
    const resolver = fakeResolver({ 'registry.test': [['127.0.0.1']] });
    const calls: CallTiming[] = [];
    const proxied = outbound({
      resolver,
      calls,
      tls: { ca: certificate.cert },
      proxy: { httpsProxy: `http://127.0.0.1:${proxy.port}` },
    });
    expect(await (await proxied.fetch(`https://registry.test:${registry.port}/`)).text()).toBe(
      'via',
    );
    expect(proxy.connects).toEqual([`127.0.0.1:${registry.port}`]);
    expect(calls[0]).toMatchObject({ proxy: `http://127.0.0.1:${proxy.port}`, status: 200 });

    const bypassing = outbound({
      resolver,
      tls: { ca: certificate.cert },
      proxy: { httpsProxy: `http://127.0.0.1:${proxy.port}`, noProxy: '.test' },
    });
    expect(await (await bypassing.fetch(`https://registry.test:${registry.port}/`)).text()).toBe(
      'via',
    );
    expect(proxy.connects).toHaveLength(1);
  });

  it('refuses a proxy the policy does not allow', async () => {
    const proxy = await server(startConnectProxy());
    const { fetch } = outbound({
      policy: { allowCidrs: [] },
      resolver: fakeResolver({ 'public.test': [['93.184.216.34']] }),
      proxy: { httpsProxy: `http://127.0.0.1:${proxy.port}` },
    });
    const error = await rejectionOf(fetch('https://public.test/'));
    expect(error).toMatchObject({ name: 'OutboundRefusedError', address: '127.0.0.1' });
    expect(proxy.connects).toEqual([]);
  });

  it('refuses a proxy URL that is not http:// when the outbound is built', () => {
    expect(() => outbound({ proxy: { httpsProxy: 'socks5://127.0.0.1:1080' } })).toThrow(
      'HTTPS_PROXY must be an http:// proxy URL',
    );
  });
});
