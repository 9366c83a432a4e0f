import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { classifyError } from '@stellaops/integrations-plugin-abstractions';
import type { HostileScenarioName } from './hostile-scenarios';
import { UNRESOLVABLE_ENDPOINT, hostileScenario, hostileScenarios } from './hostile-scenarios';
import { startHttpServer } from './start-http-server';
import { startHttpsServer } from './start-https-server';
import { startTcpServer } from './start-tcp-server';
import { respondJson } from './test-server';
import {
  dnsLookupError,
  isUnresolvableName,
  withUnresolvableNames,
} from './with-unresolvable-names';

/** The conformance kit's host fetch: the `.invalid` lookup fails without asking the resolver. */
const hostFetch = withUnresolvableNames((input, init) => fetch(input, init));

/** What a client sees: an error classified by the contract's own helper, or a status. */
async function outcomeOf(url: string): Promise<Record<string, unknown>> {
  try {
    const response = await hostFetch(url, { signal: AbortSignal.timeout(1000) });
    const retryAfter = response.headers.get('retry-after');
    try {
      await response.json();
      return { status: response.status };
    } catch (error) {
      return { status: response.status, body: classifyError(error).phase, retryAfter };
    }
  } catch (error) {
    const { phase, isTransient } = classifyError(error);
    return { phase, isTransient };
  }
}

describe('startHttpServer', () => {
  it('records each request with its body and answers through the handler', async () => {
    const server = await startHttpServer((request, response) =>
      respondJson(response, 201, { echoed: request.body }, { 'x-test': 'yes' }),
    );
    try {
      const response = await fetch(`${server.url}/items?page=2`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer abc' },
        body: '{"a":1}',
      });

      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(response.status).toBe(201);
      expect(response.headers.get('x-test')).toBe('yes');
      await expect(response.json()).resolves.toEqual({ echoed: '{"a":1}' });
      expect(server.requests).toEqual([
        expect.objectContaining({
          method: 'POST',
          url: '/items?page=2',
          body: '{"a":1}',
          headers: expect.objectContaining({ authorization: 'Bearer abc' }),
        }),
      ]);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when the handler throws', async () => {
    const server = await startHttpServer(() => {
      throw new Error('handler bug');
    });
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(500);
      await expect(response.text()).resolves.toContain('handler bug');
    } finally {
      await server.close();
    }
  });

  it('closes promptly while a client holds a connection open, and twice without harm', async () => {
    const server = await startHttpServer(() => undefined);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));

    const startedAt = Date.now();
    await server.close();
    await server.close();

    expect(Date.now() - startedAt).toBeLessThan(1000);
    await closed;
  });
});

describe('startHttpsServer', () => {
  it('fails a client that does not trust its certificate with a TLS error', async () => {
    const server = await startHttpsServer((_request, response) => respondJson(response, 200, {}));
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const error = await fetch(server.url).catch((caught: unknown) => caught);
      expect(classifyError(error)).toMatchObject({ phase: 'tls', isTransient: false });
    } finally {
      await server.close();
    }
  });

  it('serves a client that trusts its certificate, for 127.0.0.1 and localhost', async () => {
    const server = await startHttpsServer((request, response) =>
      respondJson(response, 200, { path: request.url }),
    );
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const body = await new Promise<string>((resolve, reject) => {
          const request = httpsRequest(
            { host, port: server.port, path: '/secure', ca: server.certificate },
            (response) => {
              let text = '';
              response.on('data', (chunk: Buffer) => (text += chunk.toString()));
              response.on('end', () => resolve(text));
            },
          );
          request.on('error', reject);
          request.end();
        });
        expect(JSON.parse(body)).toEqual({ path: '/secure' });
      }
    } finally {
      await server.close();
    }
  });
});

describe('startTcpServer', () => {
  it('counts connections and lets the callback decide what is written', async () => {
    const server = await startTcpServer((socket) => socket.end('hello'));
    try {
      const socket = connect(server.port, '127.0.0.1');
      const text = await new Promise<string>((resolve) => {
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
      });
      expect(text).toBe('hello');
      expect(server.connectionCount).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('hostile scenarios', () => {
  const expected: Record<Exclude<HostileScenarioName, 'never-answers'>, Record<string, unknown>> = {
    'connection-refused': { phase: 'connect', isTransient: true },
    // ENOTFOUND: the name does not exist, which no retry changes.
    'dns-failure': { phase: 'dns', isTransient: false },
    'tls-self-signed': { phase: 'tls', isTransient: false },
    'closes-mid-headers': { phase: 'api', isTransient: true },
    'closes-mid-body': { status: 200, body: 'api', retryAfter: null },
    'http-401': { status: 401 },
    'http-403': { status: 403 },
    'http-404': { status: 404 },
    'http-429': { status: 429 },
    'http-500': { status: 500 },
    'http-503': { status: 503 },
    'malformed-json': { status: 200, body: 'api', retryAfter: null },
  };

  it.each(Object.entries(expected))(
    '%s looks to a fetch client as expected',
    async (name, outcome) => {
      const endpoint = await hostileScenario(name as HostileScenarioName).start();
      try {
        expect(await outcomeOf(endpoint.url)).toEqual(outcome);
      } finally {
        await endpoint.close();
      }
    },
  );

  it('never-answers keeps the client waiting, and still closes at once', async () => {
    const scenario = await hostileScenario('never-answers').start();
    try {
      const error = await fetch(scenario.url, { signal: AbortSignal.timeout(200) }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ name: 'TimeoutError' });
    } finally {
      const startedAt = Date.now();
      await scenario.close();
      expect(Date.now() - startedAt).toBeLessThan(1000);
    }
  });

  it('sends Retry-After with the 429', async () => {
    const endpoint = await hostileScenario('http-429').start();
    try {
      const response = await fetch(endpoint.url);
      expect(response.headers.get('retry-after')).toBe('1');
      await response.body?.cancel();
    } finally {
      await endpoint.close();
    }
  });

  it('lists every scenario once, with the reserved .invalid name for DNS', () => {
    const names = hostileScenarios.map((scenario) => scenario.name);
    expect(new Set(names).size).toBe(13);
    expect(new URL(UNRESOLVABLE_ENDPOINT).hostname.endsWith('.invalid')).toBe(true);
    expect(() => hostileScenario('nope' as HostileScenarioName)).toThrow(RangeError);
  });
});

describe('withUnresolvableNames', () => {
  it('fails a .invalid name exactly as a failed getaddrinfo does, and the contract reads it so', async () => {
    const inner = jest.fn<ReturnType<typeof fetch>, Parameters<typeof fetch>>();
    const error = await withUnresolvableNames(inner)('http://API.no-such-host.invalid./v1').catch(
      (caught: unknown) => caught,
    );

    expect(inner).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({
      message: 'fetch failed',
      cause: {
        message: 'getaddrinfo ENOTFOUND api.no-such-host.invalid.',
        errno: -3008,
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
        hostname: 'api.no-such-host.invalid.',
      },
    });
    expect(classifyError(error)).toMatchObject({ phase: 'dns', isTransient: false });
  });

  it('can answer as a resolver that did not respond (EAI_AGAIN, transient)', async () => {
    const error = await withUnresolvableNames(fetch, { code: 'EAI_AGAIN' })(
      new URL(UNRESOLVABLE_ENDPOINT),
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ cause: { code: 'EAI_AGAIN', errno: -3001 } });
    expect(classifyError(error)).toMatchObject({ phase: 'dns', isTransient: true });
  });

  it('rejects with the reason of an aborted signal before any lookup, as fetch does', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await hostFetch(UNRESOLVABLE_ENDPOINT, { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it('passes every other request to the wrapped fetch', async () => {
    const server = await startHttpServer((_request, response) => respondJson(response, 200, {}));
    try {
      const response = await hostFetch(`${server.url}/through`);
      expect(response.status).toBe(200);
      await response.body?.cancel();
      expect(server.requests.map((request) => request.url)).toEqual(['/through']);
    } finally {
      await server.close();
    }
  });

  it('knows the reserved names and nothing else', () => {
    expect(['invalid', 'x.invalid', 'X.INVALID.'].every(isUnresolvableName)).toBe(true);
    expect(
      ['invalid.example', 'localhost', '127.0.0.1', 'notinvalid'].some(isUnresolvableName),
    ).toBe(false);
    expect(dnsLookupError('x.invalid').cause).toMatchObject({ code: 'ENOTFOUND' });
  });
});
