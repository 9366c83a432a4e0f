import http from 'node:http';
import type { TestApp } from '../testing/test-app';
import { signToken, startTestApp } from '../testing/test-app';
import type { RawResponse } from '../testing/raw-http';
import { delay, parseRawResponses, rawExchange } from '../testing/raw-http';

/**
 * The HTTP edge over raw TCP: the errors Node and Fastify meet before any handler runs are
 * problem+json, the connection is closed gracefully (the client reads the answer, then a FIN, not
 * a reset), and a client that sends too slowly is answered 408 and cut off.
 */
function expectProblem(response: RawResponse | undefined, status: number): void {
  expect(response?.status).toBe(status);
  expect(response?.headers['content-type']).toContain('application/problem+json');
  const body = JSON.parse(response?.body ?? '{}');
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//) });
  expect(typeof body.detail).toBe('string');
}

const LIVE = 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n';

describe('the HTTP edge', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '65536' } });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  it('answers headers too large with 431 problem+json, then closes gracefully', async () => {
    const exchange = await rawExchange(t.url, (socket) => {
      socket.write(
        `GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n${LIVE}`,
      );
    });
    const responses = parseRawResponses(exchange.text);
    expect(responses).toHaveLength(1);
    expectProblem(responses[0], 431);
    expect(responses[0]?.headers['connection']).toBe('close');
    expect(exchange.closedBy).toBe('end');
  });

  it('answers a URL past the header limit with 431 and a path segment past the router limit with 404', async () => {
    const long = await rawExchange(t.url, (socket) => {
      socket.write(`GET /api/v1/integrations?q=${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    expectProblem(parseRawResponses(long.text)[0], 431);
    expect(long.closedBy).toBe('end');
    // A 201-character id is malformed, and a malformed id is answered as a missing one.
    const segment = await t.request('GET', `/api/v1/integrations/${'a'.repeat(201)}`);
    expect(segment.status).toBe(404);
    expect(segment.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each([
    ['a malformed request line', 'GET /health/live HTTP/1.1 extra\r\nHost: x\r\n\r\n'],
    ['an unknown method token', 'G@T /health/live HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header name with a space', 'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n'],
    [
      'a NUL in a header value',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nIf-Match: "1\u0000"\r\n\r\n',
    ],
    ['a bare LF in the headers', 'GET /health/live HTTP/1.1\r\nHost: x\nX: 1\r\n\r\n'],
    [
      'two Content-Lengths that disagree',
      'POST /api/v1/integrations HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
    ],
    [
      'a chunk size that is not hex',
      'POST /api/v1/integrations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
  ])('answers %s with 400 problem+json and closes gracefully', async (_label, request) => {
    const exchange = await rawExchange(t.url, (socket) => socket.write(`${request}${LIVE}`));
    const responses = parseRawResponses(exchange.text);
    expect(responses).toHaveLength(1);
    expectProblem(responses[0], 400);
    expect(responses[0]?.headers['connection']).toBe('close');
    expect(exchange.closedBy).toBe('end');
  });

  it('answers an HTTP/1.1 request without Host with 400 problem+json (HTTP/1.0 needs none)', async () => {
    const missing = await rawExchange(t.url, (socket) =>
      socket.write('GET /health/live HTTP/1.1\r\n\r\n'),
    );
    const [response] = parseRawResponses(missing.text);
    expectProblem(response, 400);
    expect(JSON.parse(response?.body ?? '{}').detail).toMatch(/Host/);
    const old = await rawExchange(t.url, (socket) =>
      socket.write('GET /health/live HTTP/1.0\r\n\r\n'),
    );
    expect(old.text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers a URL whose percent-encoding does not decode with 400 problem+json', async () => {
    const exchange = await rawExchange(t.url, (socket) =>
      socket.write(
        'GET /api/v1/integrations/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ),
    );
    expectProblem(parseRawResponses(exchange.text)[0], 400);
  });

  it('answers a body over the limit with a readable 413 every time, never EPIPE or ECONNRESET', async () => {
    const token = await signToken();
    const body = Buffer.alloc(4 * 1_048_576, 'a');
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 36; attempt++) {
      const chunked = attempt % 3 === 2;
      outcomes.push(
        await new Promise<string>((resolve) => {
          let answer = 'no answer';
          let failure = '';
          const request = http.request(`${t.url}/api/v1/integrations`, {
            method: 'POST',
            agent: false,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              ...(chunked ? {} : { 'content-length': String(body.length) }),
            },
          });
          request.on('response', (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => {
              const type = (response.headers['content-type'] ?? '').split(';')[0];
              answer = `${response.statusCode} ${type} ${JSON.parse(text).status}`;
            });
          });
          // Any error of the exchange counts, even one after the answer was read.
          request.on('error', (error: NodeJS.ErrnoException) => (failure = ` ${error.code}`));
          request.on('close', () => setTimeout(() => resolve(`${answer}${failure}`), 20));
          // In pieces, as a client on a real network sends it.
          for (let offset = 0; offset < body.length; offset += 64 * 1_024) {
            request.write(body.subarray(offset, offset + 64 * 1_024));
          }
          request.end();
        }),
      );
    }
    expect(outcomes).toEqual(outcomes.map(() => '413 application/problem+json 413'));
  }, 60_000);
});

describe('the HTTP edge with short time limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '600', KEEP_ALIVE_TIMEOUT_MS: '800' },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  it('answers a body that never comes in full (slowloris) with 408 problem+json and closes', async () => {
    const token = await signToken();
    const exchange = await rawExchange(t.url, async (socket) => {
      socket.write(
        `POST /api/v1/integrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
      );
      // A byte now and then keeps a connection-inactivity timer from ever firing.
      for (let i = 0; i < 10 && !socket.destroyed; i++) {
        await delay(200);
        if (!socket.destroyed && socket.writable) socket.write(' ');
      }
    });
    const responses = parseRawResponses(exchange.text);
    expect(responses).toHaveLength(1);
    expectProblem(responses[0], 408);
    expect(responses[0]?.headers['connection']).toBe('close');
    expect(exchange.closedBy).toBe('end');
    expect(exchange.elapsedMs).toBeLessThan(3_000);
  });

  it('answers headers that never end with 408 problem+json', async () => {
    const exchange = await rawExchange(t.url, async (socket) => {
      socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
      for (let i = 0; i < 10 && !socket.destroyed; i++) {
        await delay(150);
        if (!socket.destroyed && socket.writable) socket.write(`X-${i}: 1\r\n`);
      }
    });
    expectProblem(parseRawResponses(exchange.text)[0], 408);
    expect(exchange.elapsedMs).toBeLessThan(2_500);
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const exchange = await rawExchange(t.url, (socket) => socket.write(LIVE));
    expect(parseRawResponses(exchange.text).map((response) => response.status)).toEqual([200]);
    expect(exchange.closedBy).toBe('end');
    expect(exchange.elapsedMs).toBeGreaterThan(700);
    expect(exchange.elapsedMs).toBeLessThan(3_000);
  });

  it('lets a slow handler take its time: the limits are on receiving the request only', async () => {
    const token = await signToken();
    const result = await t.request('POST', '/api/v1/integrations/test', {
      token,
      body: {
        name: 'slow',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: { latencyMs: 1_500 },
        credentials: {},
      },
    });
    expect(result.status).toBe(200);
    expect(result.body.success).toBe(true);
  });
});

describe('the HTTP edge during shutdown', () => {
  it('answers a request that arrives while the service drains with 503 problem+json and Connection: close', async () => {
    const t = await startTestApp();
    try {
      const token = await signToken();
      const slow = JSON.stringify({
        name: 'slow',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: { latencyMs: 1_000 },
        credentials: {},
      });
      let closing: Promise<void> | undefined;
      const exchange = await rawExchange(t.url, async (socket) => {
        socket.write(
          `POST /api/v1/integrations/test HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(slow)}\r\n\r\n${slow}`,
        );
        await delay(300);
        closing = t.close();
        await delay(50);
        socket.write(
          `GET /api/v1/providers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
        );
      });
      await closing;
      const responses = parseRawResponses(exchange.text);
      expect(responses.map((response) => response.status)).toEqual([200, 503]);
      expectProblem(responses[1], 503);
      expect(responses[1]?.headers['connection']).toBe('close');
    } finally {
      await t.backend.dispose();
    }
  }, 30_000);
});
