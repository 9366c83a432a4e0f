import { randomBytes } from 'node:crypto';
import type { TcpRelay } from '@stellaops/integrations-persistence/testing';
import {
  dropSchema,
  startTcpRelay,
  testDatabaseServer,
} from '@stellaops/integrations-persistence/testing';
import { Client } from 'pg';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { inMemoryDraft } from '../testing/in-memory-draft';

/**
 * A network partition between the service and PostgreSQL: packets are held, nothing is refused
 * or reset (the relay stops forwarding, as a dropped route does). Every call must still be
 * answered — 503 problem+json within 10 s — and the service must recover by itself.
 */
describe('a database network partition', () => {
  let relay: TcpRelay;
  let t: TestApp;
  let url: string;
  const schema = `partition_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    ({ url } = await testDatabaseServer());
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    relay = await startTcpRelay(url);
    t = await startTestApp({
      backend: {
        kind: 'schema',
        env: { DATABASE_URL: relay.url, DATABASE_SCHEMA: schema },
        dataDir: '',
        dispose: async () => undefined,
      },
    });
  }, 60_000);

  afterAll(async () => {
    relay.setMode('pass');
    await t.close();
    await relay.close();
    await dropSchema(url, schema);
  }, 60_000);

  const draft = (name: string) => inMemoryDraft({ name });

  it('answers 503 problem+json within 10 s while partitioned, and recovers when it heals', async () => {
    const before = await t.request('POST', '/api/v1/integrations', { body: draft('before') });
    expect(before.status).toBe(201);

    relay.setMode('partition');
    const calls = [
      () => t.request('GET', '/api/v1/integrations'),
      () => t.request('GET', `/api/v1/integrations/${before.body.id}`),
      () => t.request('POST', '/api/v1/integrations', { body: draft('during') }),
      () => t.request('PATCH', `/api/v1/integrations/${before.body.id}`, { body: { tags: ['x'] } }),
      () => t.request('GET', '/api/v1/events'),
    ];
    const timed = await Promise.all(
      calls.map(async (call) => {
        const started = Date.now();
        const result = await call();
        return { result, ms: Date.now() - started };
      }),
    );
    for (const { result, ms } of timed) {
      expect(ms).toBeLessThan(10_000);
      expect(result.status).toBe(503);
      expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(result.headers.get('retry-after')).toBe('5');
      expect(result.body).toMatchObject({
        status: 503,
        type: expect.stringMatching(/database-unavailable$/),
      });
    }
    const ready = await t.request('GET', '/health/ready', { token: null });
    expect(ready.status).toBe(503);

    relay.setMode('pass');
    let listed: { status: number; body: { items: { name: string }[] } } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      listed = await t.request('GET', '/api/v1/integrations');
      if (listed.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed?.status).toBe(200);
    // Nothing refused during the partition was half-written.
    expect(listed?.body.items.map((item: { name: string }) => item.name)).toEqual(['before']);
    const got = await t.request('GET', `/api/v1/integrations/${before.body.id}`);
    expect(got.body).toMatchObject({ tags: [], version: 1 });
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
  }, 60_000);
});
