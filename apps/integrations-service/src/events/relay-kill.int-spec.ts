import fs from 'node:fs';
import { Client } from 'pg';
import type { BuiltService } from '../testing/built-service';
import { BUILT_SERVICE_MAIN, exitOf, startBuiltService } from '../testing/built-service';
import { inMemoryDraft } from '../testing/in-memory-draft';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import type { TestBackend } from '../testing/test-backend';
import { createTestBackend } from '../testing/test-backend';

const LEASE_MS = 2_000;
const POLL_MS = 100;
/** A lease statement's round trip on a busy 2-core machine, on top of the documented bound. */
const SLACK_MS = 750;

/** The producer stops here at the latest (a fast machine would make many more). */
const MAX_CHANGES = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LeaseRow {
  readonly owner: string;
  readonly token: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

async function call(service: BuiltService, method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${service.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** The whole feed, page by page. */
async function feedOf(service: BuiltService): Promise<{ id: string; integrationId: string }[]> {
  const events: { id: string; integrationId: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await call(
      service,
      'GET',
      `/api/v1/events?limit=500${after === undefined ? '' : `&after=${after}`}`,
    );
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    if (page.body.items.length < 500) return events;
    after = page.body.nextAfter;
  }
}

async function relayRole(service: BuiltService): Promise<string | undefined> {
  const ready = await call(service, 'GET', '/health/ready');
  return ready.body?.checks?.broker?.relay;
}

/**
 * Two service processes, as `npm start` runs them, on one database and one NATS. The lease
 * holder is killed (SIGKILL: no release, no last mark) while changes keep coming through the
 * other: the other takes the lease when it expires, at its next poll, and every event is in the
 * stream once — including those the killed relay had sent but not yet marked.
 */
describeWithNats('the outbox relay when its process is killed', (url) => {
  let backend: TestBackend;
  let admin: Client;
  let probe: NatsProbe;
  const services: BuiltService[] = [];
  const stream = uniqueEventStream();

  async function lease(): Promise<LeaseRow | undefined> {
    const { rows } = await admin.query<{
      owner: string;
      token: string;
      acquired: number;
      expires: number;
    }>(
      `SELECT "owner", "token"::text AS "token",
          (extract(epoch FROM "acquired_at") * 1000)::float8 AS "acquired",
          (extract(epoch FROM "expires_at") * 1000)::float8 AS "expires"
        FROM "${backend.env['DATABASE_SCHEMA']}"."leases" WHERE "name" = 'outbox-relay'`,
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { owner: row.owner, token: row.token, acquiredAt: row.acquired, expiresAt: row.expires };
  }

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVICE_MAIN)) {
      throw new Error(`${BUILT_SERVICE_MAIN} is missing: build the service first (npm test does)`);
    }
    probe = await NatsProbe.connect(url);
    backend = await createTestBackend();
    admin = new Client({ connectionString: backend.env['DATABASE_URL'] });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    for (const service of services) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await exitOf(service.child);
      }
    }
    await admin?.end();
    await backend?.dispose();
    await probe?.deleteStream(stream.name);
    await probe?.close();
  }, 60_000);

  it('is taken over within lease + poll after a kill, and the stream holds every event once', async () => {
    const env = {
      ...backend.env,
      NATS_URL: url,
      ...stream.env,
      EVENTS_RELAY_LEASE_MS: String(LEASE_MS),
      EVENTS_RELAY_POLL_MS: String(POLL_MS),
      HEALTH_POLLER_ENABLED: 'false',
    };
    const first = await startBuiltService({ env });
    services.push(first);
    const deadline = Date.now() + 15_000;
    while ((await relayRole(first)) !== 'active') {
      if (Date.now() > deadline)
        throw new Error(`the first process never took the lease:\n${first.output()}`);
      await sleep(50);
    }
    const second = await startBuiltService({ env });
    services.push(second);
    expect(await relayRole(second)).toBe('standby');
    const holder = await lease();
    expect(holder).toBeDefined();

    // Changes keep coming through the second process while the first is killed.
    const integrations: string[] = [];
    for (let n = 0; n < 10; n++) {
      const created = await call(second, 'POST', '/api/v1/integrations', inMemoryDraft());
      expect(created.status).toBe(201);
      integrations.push(created.body.id);
    }
    let producing = true;
    let changes = integrations.length;
    const producer = (async () => {
      while (producing && changes < MAX_CHANGES) {
        const id = integrations[changes % integrations.length];
        const updated = await call(second, 'PATCH', `/api/v1/integrations/${id}`, {
          tags: [`c${changes}`],
        });
        expect(updated.status).toBe(200);
        changes++;
      }
    })();
    await sleep(500);
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    const killedAt = Date.now();
    // The killed holder's row stands still now: the last reading before the owner changes is its
    // final expiry.
    let last: LeaseRow | undefined;
    let next: LeaseRow | undefined;
    for (;;) {
      const row = await lease();
      if (row !== undefined && row.owner !== holder?.owner) {
        next = row;
        break;
      }
      last = row;
      if (Date.now() - killedAt > LEASE_MS + 5_000)
        throw new Error('the lease was never taken over');
      await sleep(20);
    }
    const tookOverMs = Date.now() - killedAt;
    await sleep(500);
    producing = false;
    await producer;
    if (last === undefined) throw new Error('the killed holder left no lease');
    // By the database's clock: taken only once the old lease had expired, at most a poll (and a
    // statement) after, with a newer token.
    const afterExpiryMs = next.acquiredAt - last.expiresAt;
    expect(afterExpiryMs).toBeGreaterThanOrEqual(0);
    expect(afterExpiryMs).toBeLessThanOrEqual(POLL_MS + SLACK_MS);
    expect(BigInt(next.token)).toBeGreaterThan(BigInt(last.token));
    process.stderr.write(
      `relay kill: taken over ${tookOverMs} ms after SIGKILL (bound ${LEASE_MS} + ${POLL_MS} ms), ${Math.round(afterExpiryMs)} ms after the lease expired; ${changes} events\n`,
    );
    expect(tookOverMs).toBeLessThanOrEqual(LEASE_MS + POLL_MS + SLACK_MS);
    expect(await relayRole(second)).toBe('active');

    await probe.waitForMessages(stream.name, changes, 30_000);
    const events = await feedOf(second);
    expect(events).toHaveLength(changes);
    const sent = (await probe.read(stream.name)).map((message) => message.msgId);
    expect(sent).toHaveLength(changes);
    expect(new Set(sent)).toEqual(new Set(events.map((event) => event.id)));
    for (const id of integrations) {
      const expected = events
        .filter((event) => event.integrationId === id)
        .map((event) => event.id);
      expect(sent.filter((msgId) => expected.includes(msgId ?? ''))).toEqual(expected);
    }

    // A clean stop releases the lease.
    second.child.kill('SIGTERM');
    await expect(exitOf(second.child)).resolves.toBe(0);
    await expect(lease()).resolves.toBeUndefined();
  }, 90_000);
});
