import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { inMemoryDraft } from '../testing/in-memory-draft';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { EventsRelayService } from './events-relay.service';

/** Without NATS_URL: no broker, no relay, no broker check; the feed serves the events. */
describe('events without a broker', () => {
  let t: TestApp;
  const connects: unknown[][] = [];

  beforeAll(async () => {
    const connect = net.Socket.prototype.connect;
    jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (
      this: net.Socket,
      ...args: unknown[]
    ) {
      connects.push(args);
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    });
    t = await startTestApp({ env: { HEALTH_POLLER_ENABLED: 'false' } });
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
    await t?.backend.dispose();
  });

  it('connects to no broker and runs no relay', async () => {
    const service = t.app.get(EventsRelayService);
    expect(service.connection).toBeUndefined();
    expect(service.relay).toBeUndefined();
    const ready = await t.request('GET', '/health/ready', { token: null });
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks)).not.toContain('broker');
  });

  it('keeps the events in the feed, unpublished', async () => {
    const token = await t.token({ tenant: `no-broker-${randomUUID()}` });
    const created = await t.request('POST', '/api/v1/integrations', {
      token,
      body: inMemoryDraft(),
    });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const feed = await t.request('GET', '/api/v1/events', { token });
    expect(feed.body.items).toEqual([
      expect.objectContaining({ type: 'integration.registered', integrationId: created.body.id }),
    ]);
    await expect(t.database.events.pending()).resolves.toMatchObject({ count: 1 });
    // The spy sees the service's sockets (the database's, at least), and none dialled NATS' port
    // (the client's default server is 127.0.0.1:4222).
    expect(connects.length).toBeGreaterThan(0);
    const natsDials = connects.filter((args) =>
      JSON.stringify(args, (_key, value: unknown) =>
        typeof value === 'function' ? undefined : value,
      ).includes('4222'),
    );
    expect(natsDials).toEqual([]);
  });
});
