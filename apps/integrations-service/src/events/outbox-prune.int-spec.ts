import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { inMemoryDraft } from '../testing/in-memory-draft';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { until } from '../testing/until';

/**
 * The relay deletes published events once they are older than EVENTS_RETENTION_HOURS (the
 * backdated `published_at` stands in for the hours), a batch per statement.
 */
describeWithNats('pruning published events', (url) => {
  let probe: NatsProbe;
  let t: TestApp;
  let admin: Client;
  let token: string;
  const stream = uniqueEventStream();

  async function outboxIds(): Promise<string[]> {
    const { rows } = await admin.query<{ id: string }>(
      `SELECT id::text AS id FROM "${t.backend.env['DATABASE_SCHEMA']}"."event_outbox" ORDER BY "position"`,
    );
    return rows.map((row) => row.id);
  }

  beforeAll(async () => {
    probe = await NatsProbe.connect(url);
    t = await startTestApp({
      env: {
        NATS_URL: url,
        ...stream.env,
        EVENTS_RELAY_POLL_MS: '50',
        EVENTS_RETENTION_HOURS: '1',
        EVENTS_PRUNE_INTERVAL_MS: '200',
        EVENTS_PRUNE_BATCH: '2',
        HEALTH_POLLER_ENABLED: 'false',
      },
    });
    if (t.backend.kind !== 'schema')
      throw new Error('this spec reads the outbox table of its schema');
    admin = new Client({ connectionString: t.backend.env['DATABASE_URL'] });
    await admin.connect();
    token = await t.token({ tenant: `prune-${randomUUID()}` });
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await t?.close();
    await t?.backend.dispose();
    await probe?.deleteStream(stream.name);
    await probe?.close();
  }, 60_000);

  it('deletes published events past retention, in batches, and keeps the rest', async () => {
    for (let n = 0; n < 6; n++) {
      const created = await t.request('POST', '/api/v1/integrations', {
        token,
        body: inMemoryDraft(),
      });
      expect(created.status).toBe(201);
    }
    await until(
      async () => (await t.database.events.pending()).count === 0,
      10_000,
      'published',
      100,
    );
    const ids = await outboxIds();
    expect(ids).toHaveLength(6);
    // Five of them published two hours ago: past the one-hour retention.
    const old = ids.slice(0, 5);
    await admin.query(
      `UPDATE "${t.backend.env['DATABASE_SCHEMA']}"."event_outbox" SET "published_at" = now() - interval '2 hours' WHERE id = ANY($1::uuid[])`,
      [old],
    );
    await until(async () => (await outboxIds()).length === 1, 10_000, 'pruned', 100);
    expect(await outboxIds()).toEqual(ids.slice(5));
    const feed = await t.request('GET', '/api/v1/events', { token });
    expect(feed.body.items.map((event: { id: string }) => event.id)).toEqual(ids.slice(5));
    // The stream keeps them: retention is the outbox's, not the broker's.
    expect((await probe.info(stream.name))?.state.messages).toBe(6);
  }, 30_000);
});
