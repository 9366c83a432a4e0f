import { randomUUID } from 'node:crypto';
import type { TcpRelay } from '@stellaops/integrations-persistence/testing';
import { startTcpRelay } from '@stellaops/integrations-persistence/testing';
import { inMemoryDraft } from '../testing/in-memory-draft';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import type { TestBackend } from '../testing/test-backend';
import { createTestBackend } from '../testing/test-backend';
import { EventsRelayService } from './events-relay.service';
import type { RelayStatus } from './outbox-relay';
import { until } from '../testing/until';

const LEASE_MS = 2_000;
const POLL_MS = 100;
/** A lease statement's round trip and the test's own polling, on top of the documented bound. */
const SLACK_MS = 750;

function relayOf(t: TestApp): RelayStatus {
  const status = t.app.get(EventsRelayService).relay?.status;
  if (status === undefined) throw new Error('no relay: NATS_URL is not set');
  return status;
}

/**
 * Two service instances on one database and one NATS: only the lease holder publishes; a holder
 * cut off from the database (its broker still reachable: the case where publishing twice is
 * possible) stops, and the other takes over within lease + poll; a holder that shuts down hands
 * over at the other's next poll. The stream holds every event once, in order per integration.
 */
describeWithNats('the outbox relay across two instances', (url) => {
  let backend: TestBackend;
  let cutoff: TcpRelay;
  let probe: NatsProbe;
  let a: TestApp;
  let b: TestApp;
  let bClosed = false;
  let token: string;
  const stream = uniqueEventStream();
  const integrations: string[] = [];
  let changes = 0;

  const env = {
    NATS_URL: url,
    ...stream.env,
    EVENTS_RELAY_LEASE_MS: String(LEASE_MS),
    EVENTS_RELAY_POLL_MS: String(POLL_MS),
    HEALTH_POLLER_ENABLED: 'false',
  };

  /** `count` changes through `t`: a registration first, then updates, spread over the integrations. */
  async function change(t: TestApp, count: number): Promise<void> {
    for (let n = 0; n < count; n++) {
      changes++;
      if (integrations.length < 10) {
        const created = await t.request('POST', '/api/v1/integrations', {
          token,
          body: inMemoryDraft(),
        });
        expect(created.status).toBe(201);
        integrations.push(created.body.id);
        continue;
      }
      const id = integrations[changes % integrations.length];
      const updated = await t.request('PATCH', `/api/v1/integrations/${id}`, {
        token,
        body: { tags: [`c${changes}`] },
      });
      expect(updated.status).toBe(200);
    }
  }

  beforeAll(async () => {
    probe = await NatsProbe.connect(url);
    backend = await createTestBackend();
    cutoff = await startTcpRelay(backend.env['DATABASE_URL'] ?? '');
    a = await startTestApp({ backend, env: { ...env, DATABASE_URL: cutoff.url } });
    await until(() => relayOf(a).role === 'active', 10_000, 'the first instance takes the lease');
    b = await startTestApp({ backend, env });
    token = await a.token({ tenant: `takeover-${randomUUID()}` });
  }, 60_000);

  afterAll(async () => {
    cutoff?.setMode('pass');
    if (!bClosed) await b?.close();
    await a?.close();
    await cutoff?.close();
    await backend?.dispose();
    await probe?.deleteStream(stream.name);
    await probe?.close();
  }, 60_000);

  it('publishes from the lease holder only', async () => {
    await change(b, 30);
    await probe.waitForMessages(stream.name, changes, 20_000);
    expect(relayOf(a)).toMatchObject({ role: 'active', published: changes });
    expect(relayOf(b)).toMatchObject({ role: 'standby', published: 0 });
    const ready = await b.request('GET', '/health/ready', { token: null });
    expect(ready.body.checks.broker).toMatchObject({ status: 'up', relay: 'standby', pending: 0 });
  }, 30_000);

  it('moves to the other instance within lease + poll when the holder is cut off from the database, with no overlap', async () => {
    cutoff.setMode('partition');
    const tookOverMs = await until(
      () => relayOf(b).role === 'active',
      LEASE_MS + POLL_MS + 5_000,
      'the standby takes over',
    );
    // The cut-off holder had stopped by then (its lease lapses here before it does in the database).
    expect(relayOf(a).role).toBe('standby');
    process.stderr.write(
      `relay takeover after a cut-off holder: ${tookOverMs} ms (bound ${LEASE_MS} + ${POLL_MS} ms)\n`,
    );
    expect(tookOverMs).toBeLessThanOrEqual(LEASE_MS + POLL_MS + SLACK_MS);
    const publishedByA = relayOf(a).published;
    await change(b, 20);
    await probe.waitForMessages(stream.name, changes, 20_000);
    expect(relayOf(a).published).toBe(publishedByA);

    // Reconnected, the old holder finds the lease taken and stays a standby.
    cutoff.setMode('pass');
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS));
    expect(relayOf(a).role).toBe('standby');
    expect(relayOf(b).role).toBe('active');
  }, 60_000);

  it('moves back at the next poll when the holder shuts down', async () => {
    const closing = Date.now();
    await b.close();
    bClosed = true;
    const tookOverMs = await until(
      () => relayOf(a).role === 'active',
      5_000,
      'the standby takes over',
    );
    process.stderr.write(
      `relay takeover after a shutdown: ${Date.now() - closing} ms from close, ${tookOverMs} ms after it returned\n`,
    );
    expect(tookOverMs).toBeLessThanOrEqual(POLL_MS + SLACK_MS);
    await change(a, 20);
    await probe.waitForMessages(stream.name, changes, 20_000);
  }, 30_000);

  it('stored every event once, in order per integration', async () => {
    const feed = (await a.request('GET', '/api/v1/events?limit=500', { token })).body.items as {
      id: string;
      integrationId: string;
    }[];
    expect(feed).toHaveLength(changes);
    const messages = await probe.read(stream.name);
    const sent = messages.map((message) => message.msgId);
    expect(sent).toHaveLength(changes);
    expect(new Set(sent)).toEqual(new Set(feed.map((event) => event.id)));
    for (const id of integrations) {
      const expected = feed.filter((event) => event.integrationId === id).map((event) => event.id);
      expect(sent.filter((msgId) => expected.includes(msgId ?? ''))).toEqual(expected);
    }
    await expect(a.database.events.pending()).resolves.toMatchObject({ count: 0 });
    process.stderr.write(
      `relay takeover: ${changes} events, ${messages.length} messages, duplicates acked: ${relayOf(a).duplicates}\n`,
    );
  }, 30_000);
});
