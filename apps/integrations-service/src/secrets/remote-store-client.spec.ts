import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RemoteStoreOptions } from './remote-store-client';
import { MAX_ANSWER_BYTES, RemoteStoreClient } from './remote-store-client';
import { resolutionFailure } from '../testing/resolution-failure';

/**
 * A raw HTTP/1.1 server on loopback, answering each request on a connection with the next of
 * `script`'s actions for that connection: an answer, or hanging up without one.
 */
async function rawServer(
  script: (connection: number, request: number, socket: Socket) => string | 'hang-up',
): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection = ++connections;
    let requests = 0;
    let buffered = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const end = buffered.indexOf('\r\n\r\n') + 4;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + length) return;
        buffered = buffered.slice(end + length);
        const action = script(connection, ++requests, socket);
        if (action === 'hang-up') socket.destroy();
        else socket.write(action);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(status: number, body: string, type = 'application/json'): string {
  return `HTTP/1.1 ${status} X\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`;
}

describe('RemoteStoreClient', () => {
  const clients: RemoteStoreClient[] = [];

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  function client(baseUrl: string, options: Partial<RemoteStoreOptions> = {}) {
    const created = new RemoteStoreClient({
      name: 'the Store',
      baseUrl,
      baseUrlVariable: 'STORE_URL',
      timeoutMs: 1_000,
      timeoutVariable: 'STORE_TIMEOUT_MS',
      caPem: undefined,
      caVariable: 'STORE_CA_FILE',
      ...options,
    });
    clients.push(created);
    return created;
  }

  it('reads a JSON answer, and an answer that is not JSON as no body', async () => {
    const server = await rawServer((_, request) =>
      request === 1
        ? answer(200, '{"value":"x"}')
        : answer(502, '<html>bad gateway</html>', 'text/html'),
    );
    try {
      const store = client(server.url);
      const get = { method: 'GET' as const, path: '/a' };
      expect(await store.request(get, store.deadline())).toMatchObject({
        status: 200,
        body: { value: 'x' },
      });
      expect(await store.request(get, store.deadline())).toMatchObject({
        status: 502,
        body: undefined,
      });
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('sends an idempotent request again once when a kept-alive connection was closed under it', async () => {
    // The second request on the first connection finds it hung up, as after a server's idle timeout.
    const server = await rawServer((connection, request) =>
      connection === 1 && request === 2 ? 'hang-up' : answer(200, `{"connection":${connection}}`),
    );
    try {
      const store = client(server.url);
      const get = { method: 'GET' as const, path: '/a', idempotent: true };
      await store.request(get, store.deadline());
      expect((await store.request(get, store.deadline())).body).toEqual({ connection: 2 });
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('does not send a request that is not idempotent twice', async () => {
    const server = await rawServer((connection, request) =>
      connection === 1 && request === 2 ? 'hang-up' : answer(200, '{}'),
    );
    try {
      const store = client(server.url);
      const post = { method: 'POST' as const, path: '/login', json: {} };
      await store.request(post, store.deadline());
      const error = await resolutionFailure(store.request(post, store.deadline()));
      expect(error.message).toBe(
        'cannot reach the Store (ECONNRESET): check STORE_URL and that the Store is up',
      );
      expect(error.isTransient).toBe(true);
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('stops reading an answer larger than it accepts', async () => {
    const big = `{"value":"${'x'.repeat(MAX_ANSWER_BYTES)}"}`;
    const server = await rawServer(() => answer(200, big));
    try {
      const store = client(server.url);
      const error = await resolutionFailure(
        store.request({ method: 'GET', path: '/a' }, store.deadline()),
      );
      expect(error.message).toBe(
        `the Store's answer is larger than ${MAX_ANSWER_BYTES} bytes: is STORE_URL the right server?`,
      );
      expect(error.isTransient).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('bounds an answer that starts and never ends by the deadline', async () => {
    const server = await rawServer(
      () => 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"val',
    );
    try {
      const store = client(server.url, { timeoutMs: 200 });
      const started = performance.now();
      const error = await resolutionFailure(
        store.request({ method: 'GET', path: '/a' }, store.deadline()),
      );
      expect(error.message).toBe('the Store did not answer within STORE_TIMEOUT_MS (200 ms)');
      expect(error.isTransient).toBe(true);
      expect(performance.now() - started).toBeLessThan(200 + 1_000);
    } finally {
      await server.close();
    }
  });

  it('shares a deadline between the waiters of shared work, each failing at its own', async () => {
    const store = client('http://127.0.0.1:9', { timeoutMs: 100 });
    const never = new Promise<string>(() => undefined);
    const error = await resolutionFailure(store.within(never, store.deadline()));
    expect(error.message).toBe('the Store did not answer within STORE_TIMEOUT_MS (100 ms)');
    const caller = new AbortController();
    caller.abort();
    expect(
      (
        await resolutionFailure(
          store.within(Promise.reject(new Error('late')), store.deadline(caller.signal)),
        )
      ).message,
    ).toBe('the resolution was aborted before the Store answered');
    await expect(store.within(Promise.resolve('done'), store.deadline())).resolves.toBe('done');
  });
});
