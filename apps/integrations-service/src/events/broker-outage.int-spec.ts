import type { TcpRelay } from '@stellaops/integrations-persistence/testing';
import { startTcpRelay } from '@stellaops/integrations-persistence/testing';
import { randomUUID } from 'node:crypto';
import { inMemoryDraft } from '../testing/in-memory-draft';
import type { StreamMessage } from '../testing/nats-test-server';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { EventHeaders } from './broker-message';

interface FeedEvent {
  readonly id: string;
  readonly type: string;
  readonly integrationId: string;
}

const INTEGRATIONS = 50;
const UPDATES_EACH = 9;
const CHANGES = INTEGRATIONS * (1 + UPDATES_EACH);

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(fn));
  }
}

async function readiness(t: TestApp, status: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await t.request('GET', '/health/ready', { token: null });
    if (ready.status === status || Date.now() > deadline) return ready;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The broker down while the catalog changes: NATS_URL points at a relay that refuses every
 * connection, 500 changes go through the HTTP API, then the relay lets NATS through. Every event
 * must arrive once, each integration's in commit order, and nothing may be marked sent before.
 */
describeWithNats('the outbox relay through a broker outage', (url) => {
  let relay: TcpRelay;
  let probe: NatsProbe;
  let t: TestApp;
  let token: string;
  const stream = uniqueEventStream();
  const tenant = `outage-${randomUUID()}`;

  beforeAll(async () => {
    probe = await NatsProbe.connect(url);
    relay = await startTcpRelay(url);
    relay.setMode('refuse');
    t = await startTestApp({
      env: {
        NATS_URL: relay.url,
        ...stream.env,
        EVENTS_RELAY_POLL_MS: '100',
        HEALTH_POLLER_ENABLED: 'false',
      },
    });
    token = await t.token({ tenant });
  }, 60_000);

  afterAll(async () => {
    relay?.setMode('pass');
    await t?.close();
    await t?.backend.dispose();
    await relay?.close();
    await probe?.deleteStream(stream.name);
    await probe?.close();
  }, 60_000);

  it('is not ready while the broker is unreachable, naming it', async () => {
    const ready = await readiness(t, 503, 5_000);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toContain('application/problem+json');
    expect(ready.body.detail).toContain('broker');
    expect(ready.body.checks.database.status).toBe('up');
    expect(ready.body.checks.broker).toMatchObject({
      status: 'down',
      stream: stream.name,
      relay: 'active',
      lastPublishAt: null,
      message: expect.stringContaining('not connected to NATS'),
    });
  });

  it('keeps 500 changes in the outbox while the broker is down, then publishes each once, in order per integration', async () => {
    const ids: string[] = [];
    await inBatches(
      Array.from({ length: INTEGRATIONS }, (_, n) => n),
      10,
      async (n) => {
        const created = await t.request('POST', '/api/v1/integrations', {
          token,
          body: inMemoryDraft({ name: `outage-${n}` }),
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      },
    );
    await inBatches(ids, 25, async (id) => {
      for (let n = 1; n <= UPDATES_EACH; n++) {
        const updated = await t.request('PATCH', `/api/v1/integrations/${id}`, {
          token,
          body: { tags: [`v${n}`] },
        });
        expect(updated.status).toBe(200);
      }
    });

    // Nothing was sent, nothing marked: the relay never got through.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(t.database.events.pending()).resolves.toMatchObject({ count: CHANGES });
    await expect(probe.info(stream.name)).resolves.toBeUndefined();
    const lagging = await t.request('GET', '/metrics', { token: null });
    expect(lagging.text).toMatch(
      new RegExp(`^integrations_outbox_pending(\\{[^}]*\\})? ${CHANGES}$`, 'm'),
    );
    const oldest = /^integrations_outbox_oldest_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec(
      lagging.text,
    );
    expect(Number(oldest?.[1])).toBeGreaterThan(0);

    const healed = Date.now();
    relay.setMode('pass');
    const ready = await readiness(t, 200, 15_000);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.broker).toMatchObject({
      status: 'up',
      stream: stream.name,
      relay: 'active',
    });

    await probe.waitForMessages(stream.name, CHANGES, 60_000);
    const deadline = Date.now() + 10_000;
    while ((await t.database.events.pending()).count > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const drainedMs = Date.now() - healed;
    await expect(t.database.events.pending()).resolves.toEqual({ count: 0, oldestSeconds: 0 });
    const caughtUp = await t.request('GET', '/metrics', { token: null });
    expect(caughtUp.text).toMatch(/^integrations_outbox_pending(\{[^}]*\})? 0$/m);
    expect(caughtUp.text).toMatch(/^integrations_outbox_oldest_age_seconds(\{[^}]*\})? 0$/m);
    process.stderr.write(
      `broker outage: ${CHANGES} events published ${drainedMs} ms after NATS came back\n`,
    );

    const feed = (await t.request('GET', '/api/v1/events?limit=500', { token })).body
      .items as (FeedEvent & Record<string, unknown>)[];
    expect(feed).toHaveLength(CHANGES);
    // A moment later, still one message per event: no late duplicates.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const messages = await probe.read(stream.name);
    expect(messages).toHaveLength(CHANGES);
    const sent = messages.map((message) => message.msgId);
    expect(new Set(sent).size).toBe(CHANGES);
    expect(new Set(sent)).toEqual(new Set(feed.map((event) => event.id)));

    const byIntegration = (events: readonly { integrationId: string; id: string }[]) => {
      const chains = new Map<string, string[]>();
      for (const event of events) {
        chains.set(event.integrationId, [...(chains.get(event.integrationId) ?? []), event.id]);
      }
      return chains;
    };
    const bodies = messages.map((message) => message.body as FeedEvent);
    expect(byIntegration(bodies)).toEqual(byIntegration(feed));

    const feedById = new Map(feed.map((event) => [event.id, event]));
    for (const message of messages as StreamMessage[]) {
      const event = feedById.get(message.msgId ?? '');
      expect(message.body).toEqual(event);
      expect(message.subject).toBe(
        `${stream.subjectPrefix}.${event?.type.replace('integration.', '')}`,
      );
      expect(message.headers).toMatchObject({
        [EventHeaders.Type]: event?.type,
        [EventHeaders.Tenant]: tenant,
        [EventHeaders.IntegrationId]: event?.integrationId,
      });
    }
  }, 120_000);
});
