import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { drainRequest } from './drain-request';

function request(): PassThrough & { complete: boolean } {
  return Object.assign(new PassThrough(), { complete: false });
}

describe('drainRequest', () => {
  it('resolves at once for a request read in full', async () => {
    const done = Object.assign(new PassThrough(), { complete: true });
    await drainRequest(done as unknown as IncomingMessage, { maxBytes: 1, maxMs: 10_000 });
  });

  it('reads the rest of the body and resolves when it ends', async () => {
    const body = request();
    let settled = false;
    const drained = drainRequest(body as unknown as IncomingMessage, {
      maxBytes: 1_000,
      maxMs: 10_000,
    }).then(() => (settled = true));
    body.write(Buffer.alloc(100));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    body.end(Buffer.alloc(100));
    await drained;
    expect(settled).toBe(true);
  });

  it('stops at the byte bound and at the time bound', async () => {
    const big = request();
    const byBytes = drainRequest(big as unknown as IncomingMessage, {
      maxBytes: 10,
      maxMs: 10_000,
    });
    big.write(Buffer.alloc(11));
    await byBytes;
    const started = Date.now();
    await drainRequest(request() as unknown as IncomingMessage, { maxBytes: 10, maxMs: 50 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps an error listener, so that a broken request cannot bring the process down', async () => {
    const broken = request();
    await drainRequest(broken as unknown as IncomingMessage, { maxBytes: 10, maxMs: 50 });
    expect(() => broken.emit('error', new Error('aborted'))).not.toThrow();
  });
});
