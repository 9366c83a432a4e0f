import type { TcpRelay } from '@stellaops/integrations-persistence/testing';
import { startTcpRelay } from '@stellaops/integrations-persistence/testing';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { createTestBackend } from '../testing/test-backend';

async function waitFor(status: number, t: TestApp, timeoutMs: number): Promise<number[]> {
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await t.request('GET', '/health/ready', { token: null });
    seen.push(result.status);
    if (result.status === status) return seen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`readiness never became ${status}; saw ${seen.join(',')}`);
}

describe('readiness follows the database', () => {
  let relay: TcpRelay;
  let t: TestApp;

  beforeAll(async () => {
    const backend = await createTestBackend();
    relay = await startTcpRelay(backend.env['DATABASE_URL'] ?? '');
    t = await startTestApp({ backend, env: { DATABASE_URL: relay.url } });
  }, 60_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await relay?.close();
    await t?.backend.dispose();
  });

  it('is ready, becomes 503 (problem+json) while the database is unreachable, and recovers by itself', async () => {
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
    // Down: every connection reset, new ones refused.
    relay.setMode('refuse');
    await waitFor(503, t, 15_000);
    const down = await t.request('GET', '/health/ready', { token: null });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    expect(down.body.detail).toContain('database');
    // Liveness is not readiness: the process still serves.
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
    // A request that needs the database fails cleanly rather than hanging.
    const list = await t.request('GET', '/api/v1/integrations');
    expect(list.status).toBe(503);
    expect(list.headers.get('content-type')).toContain('application/problem+json');
    relay.setMode('pass');
    await waitFor(200, t, 20_000);
    expect((await t.request('GET', '/api/v1/integrations')).status).toBe(200);
  }, 60_000);
});
