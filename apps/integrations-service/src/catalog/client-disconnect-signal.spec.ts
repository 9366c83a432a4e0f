import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { clientDisconnectSignal } from './client-disconnect-signal';

describe('clientDisconnectSignal', () => {
  let app: FastifyInstance;
  let port: number;
  const seen: { aborted: boolean }[] = [];
  let release: () => void = () => undefined;

  beforeAll(async () => {
    app = Fastify();
    app.post('/work', async (request, reply) => {
      const signal = clientDisconnectSignal(request, reply);
      const outcome = { aborted: false };
      seen.push(outcome);
      await new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener('abort', () => {
          outcome.aborted = true;
          resolve();
        });
      });
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(() => app.close());

  function post(): http.ClientRequest {
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/work',
      headers: { 'content-type': 'application/json' },
    });
    request.on('error', () => undefined);
    request.end('{"a":1}');
    return request;
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  }

  it('does not fire while the client waits, even after its body was read', async () => {
    seen.length = 0;
    const request = post();
    const response = new Promise<number>((resolve) =>
      request.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }),
    );
    await until(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen[0]?.aborted).toBe(false);
    release();
    await expect(response).resolves.toBe(200);
    expect(seen[0]?.aborted).toBe(false);
  });

  it('fires when the client closes the connection before the answer', async () => {
    seen.length = 0;
    const request = post();
    await until(() => seen.length === 1);
    request.destroy();
    await until(() => seen[0]?.aborted === true);
    expect(seen[0]?.aborted).toBe(true);
  });
});
