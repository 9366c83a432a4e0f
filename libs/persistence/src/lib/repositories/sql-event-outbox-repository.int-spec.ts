import { randomUUID } from 'node:crypto';
import { ConflictError, InputError } from '@stellaops/integrations-core';
import type { LifecycleEvent } from '@stellaops/integrations-core';
import { backendOf } from '../database';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';

const TENANT = 'tenant-a';
const OTHER_TENANT = 'tenant-b';

function event(tenantId: string, n: number, integrationId: string = randomUUID()): LifecycleEvent {
  return {
    id: randomUUID(),
    type: 'integration.updated',
    tenantId,
    integrationId,
    occurredAt: new Date(Date.UTC(2026, 10, 23, 12, 0, n)).toISOString(),
    payload: {
      integration: {
        id: integrationId,
        name: `n${n}`,
        type: 'scm',
        provider: 'gitlab',
        version: n,
      },
      changedFields: ['endpoint'],
    },
  };
}

describeOnDatabases('SqlEventOutboxRepository', (target) => {
  const current = useTestDatabase(target);
  const events = () => current().db.events;

  it('stores an event as given, with its position', async () => {
    const original = event(TENANT, 1);
    const stored = await events().append(original);
    expect(stored).toEqual({ ...original, position: expect.stringMatching(/^\d+$/) });
    await expect(events().append(original)).rejects.toBeInstanceOf(ConflictError);
    await expect(events().append({ ...original, id: 'nope' })).rejects.toBeInstanceOf(InputError);
  });

  it('lists a tenant’s events oldest first, after a given event, in pages', async () => {
    const mine: LifecycleEvent[] = [];
    for (let n = 0; n < 7; n++) {
      mine.push(event(TENANT, n));
      await events().append(mine[n] as LifecycleEvent);
      await events().append(event(OTHER_TENANT, n));
    }
    const ids = mine.map((e) => e.id);
    const all = await events().listAfter(TENANT, undefined, 100);
    expect(all.map((e) => e.id)).toEqual(ids);
    const positions = all.map((e) => BigInt(e.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);

    const read: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await events().listAfter(TENANT, after, 3);
      if (page.length === 0) break;
      read.push(...page.map((e) => e.id));
      after = page.at(-1)?.id;
    }
    expect(read).toEqual(ids);
    await expect(events().listAfter(TENANT, ids[6], 10)).resolves.toEqual([]);
  });

  it('refuses an unknown, malformed or other tenant’s event id as the starting point', async () => {
    const theirs = await events().append(event(OTHER_TENANT, 1));
    for (const after of [randomUUID(), 'not-a-uuid', theirs.id]) {
      await expect(events().listAfter(TENANT, after, 10)).rejects.toBeInstanceOf(InputError);
    }
  });

  it('hands the relay unpublished events of every tenant until they are marked published', async () => {
    const a = await events().append(event(TENANT, 1));
    const b = await events().append(event(OTHER_TENANT, 2));
    const c = await events().append(event(TENANT, 3));
    await expect(events().listUnpublished(10)).resolves.toEqual([a, b, c]);
    await expect(events().listUnpublished(2)).resolves.toEqual([a, b]);
    await events().markPublished([a.id, c.id, 'not-a-uuid']);
    await expect(events().listUnpublished(10)).resolves.toEqual([b]);
    await events().markPublished([]);
    await events().markPublished([b.id, b.id]);
    await expect(events().listUnpublished(10)).resolves.toEqual([]);
    // Publishing does not take events out of the feed.
    await expect(events().listAfter(TENANT, undefined, 10)).resolves.toEqual([a, c]);
  });

  it('appends a batch in array order: positions ascend along it, across tenants', async () => {
    const before = await events().append(event(TENANT, 0));
    const batch = [
      event(OTHER_TENANT, 1),
      event(TENANT, 2),
      event('tenant-c', 3),
      event(TENANT, 4),
      event(OTHER_TENANT, 5),
    ];
    const stored = await events().appendMany(batch);
    expect(stored).toEqual(batch.map((e) => ({ ...e, position: expect.stringMatching(/^\d+$/) })));
    const positions = [before, ...stored].map((e) => BigInt(e.position));
    for (let n = 1; n < positions.length; n++) {
      expect(positions[n]).toBeGreaterThan(positions[n - 1] as bigint);
    }
    const feed = await events().listAfter(TENANT, undefined, 10);
    expect(feed.map((e) => e.id)).toEqual([before.id, batch[1]?.id, batch[3]?.id]);
    await expect(events().listUnpublished(10)).resolves.toEqual([before, ...stored]);
    await expect(events().appendMany([])).resolves.toEqual([]);
  });

  it('stores nothing of a batch with an id already stored or given twice, or an id that is not a uuid', async () => {
    const existing = await events().append(event(TENANT, 0));
    const fresh = event(TENANT, 1);
    await expect(
      events().appendMany([fresh, { ...event(TENANT, 2), id: existing.id }]),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(events().appendMany([fresh, fresh])).rejects.toBeInstanceOf(ConflictError);
    const malformed = events().appendMany([fresh, { ...event(TENANT, 3), id: 'nope' }]);
    await expect(malformed).rejects.toBeInstanceOf(InputError);
    await expect(malformed).rejects.toMatchObject({
      errors: [{ path: '/events/1/id', message: 'must be a uuid' }],
    });
    await expect(events().listAfter(TENANT, undefined, 10)).resolves.toEqual([existing]);
    // Rolled back with its transaction, like single appends.
    await expect(
      current().db.transaction(async (uow) => {
        await uow.events.appendMany([fresh]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await expect(events().listAfter(TENANT, undefined, 10)).resolves.toEqual([existing]);
  });

  it('waits for each tenant of a batch whose events are being written, so their feeds keep commit order', async () => {
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let appended = false;
    const a1 = event(TENANT, 1);
    const open = current().db.transaction(async (uow) => {
      await uow.events.append(a1);
      appended = true;
      await hold;
    });
    while (!appended) await new Promise((resolve) => setTimeout(resolve, 10));
    let done = false;
    const batch = events()
      .appendMany([event(OTHER_TENANT, 2), event(TENANT, 3)])
      .finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(done).toBe(false);
    // The batch's other tenant is not in it yet either: the batch is one statement.
    await expect(events().listAfter(OTHER_TENANT, undefined, 10)).resolves.toEqual([]);
    release();
    await open;
    const [b2, a3] = await batch;
    expect(BigInt(a3?.position ?? '0')).toBeGreaterThan(BigInt(b2?.position ?? 'x'));
    const feed = await events().listAfter(TENANT, undefined, 10);
    expect(feed.map((e) => e.id)).toEqual([a1.id, a3?.id]);
  });

  it('runs batches of the same tenants in opposite orders concurrently without a deadlock', async () => {
    const database = await target.create({ poolSize: 12 });
    try {
      const tenants = ['t-x', 't-y', 't-z'];
      const results = await Promise.allSettled(
        Array.from({ length: 24 }, (_, n) =>
          database.db.transaction(async (uow) => {
            const order = n % 2 === 0 ? tenants : [...tenants].reverse();
            const stored = await uow.events.appendMany(order.map((t, i) => event(t, n * 10 + i)));
            // Hold the locks a while, so that batches overlap.
            await new Promise((resolve) => setTimeout(resolve, 5));
            return stored;
          }),
        ),
      );
      expect(results.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      for (const tenant of tenants) {
        await expect(database.db.events.listAfter(tenant, undefined, 100)).resolves.toHaveLength(
          24,
        );
      }
    } finally {
      await database.dispose();
    }
  });

  it('tells the relay’s backlog: how many are unpublished and how old the next one is', async () => {
    await expect(events().pending()).resolves.toEqual({ count: 0, oldestSeconds: 0 });
    const now = Date.now();
    const old = await events().append({
      ...event(TENANT, 1),
      occurredAt: new Date(now - 120_000).toISOString(),
    });
    await events().append({ ...event(OTHER_TENANT, 2), occurredAt: new Date(now).toISOString() });
    // Written by a clock ahead of the database's: no negative age.
    await events().append({
      ...event(TENANT, 3),
      occurredAt: new Date(now + 3_600_000).toISOString(),
    });
    const pending = await events().pending();
    expect(pending.count).toBe(3);
    expect(pending.oldestSeconds).toBeGreaterThanOrEqual(110);
    expect(pending.oldestSeconds).toBeLessThan(180);
    await events().markPublished([old.id]);
    const after = await events().pending();
    expect(after.count).toBe(2);
    expect(after.oldestSeconds).toBeLessThan(60);
  });

  it('prunes published events older than the bound, oldest published first, a batch at a time', async () => {
    const outbox = tableNames(current().schema).eventOutbox;
    const stored = await events().appendMany(
      Array.from({ length: 6 }, (_, n) => event(n % 2 === 0 ? TENANT : OTHER_TENANT, n)),
    );
    const [e0, e1, e2, e3, e4, e5] = stored.map((e) => e.id);
    await events().markPublished([e0, e1, e2, e3, e4].filter((id) => id !== undefined));
    // e0..e3 published 2, 3, 4 and 5 hours ago; e4 just now; e5 not at all.
    for (const [hours, id] of [
      [2, e0],
      [3, e1],
      [4, e2],
      [5, e3],
    ] as const) {
      await backendOf(current().db).dataSource.query(
        `UPDATE ${outbox} SET "published_at" = now() - make_interval(hours => $2) WHERE "id" = $1`,
        [id, hours],
      );
    }
    await expect(events().prunePublished(3600, 2)).resolves.toBe(2);
    const remaining = async () =>
      (await events().listAfter(TENANT, undefined, 10))
        .concat(await events().listAfter(OTHER_TENANT, undefined, 10))
        .map((e) => e.id)
        .sort();
    // The two published longest ago went first.
    await expect(remaining()).resolves.toEqual([e0, e1, e4, e5].sort());
    await expect(events().prunePublished(3600, 10)).resolves.toBe(2);
    await expect(events().prunePublished(3600, 10)).resolves.toBe(0);
    await expect(remaining()).resolves.toEqual([e4, e5].sort());
    await expect(events().prunePublished(0, 10)).resolves.toBe(1);
    await expect(events().listUnpublished(10)).resolves.toEqual([stored[5]]);
    await expect(events().prunePublished(-1, 10)).rejects.toBeInstanceOf(InputError);
    await expect(events().prunePublished(60, 0)).rejects.toBeInstanceOf(InputError);
  });

  it('lets another tenant register while one tenant holds its event write open, and keeps each tenant’s feed in commit order', async () => {
    const db = current().db;
    const earlier = await events().append(event(TENANT, 0));
    let releaseA: () => void = () => undefined;
    const holdA = new Promise<void>((resolve) => (releaseA = resolve));
    let signalAppended!: () => void;
    const appended = new Promise<void>((resolve) => (signalAppended = resolve));
    const a1 = event(TENANT, 1);
    const transactionA = db.transaction(async (uow) => {
      await uow.events.append(a1);
      signalAppended();
      await holdA;
    });
    await appended;
    try {
      await registerWhileOpen();
    } finally {
      releaseA();
      await transactionA;
    }

    async function registerWhileOpen(): Promise<void> {
      // B's whole registration commits while A's transaction, position already taken, is open.
      const storedB = await within(
        5_000,
        db.transaction(async (uow) => {
          const registered = await uow.integrations.insert({
            tenantId: OTHER_TENANT,
            name: 'registered-while-a-is-open',
            type: 'scm',
            provider: 'gitlab',
            endpoint: 'https://gitlab.example.com',
            settings: {},
            credentials: {},
            healthCheckIntervalSeconds: 300,
            tags: [],
            createdBy: 'bob',
          });
          return uow.events.append(event(OTHER_TENANT, 1, registered.id));
        }),
      );
      await expect(events().listAfter(OTHER_TENANT, undefined, 10)).resolves.toEqual([storedB]);

      // A second writer of tenant A waits for the first: it must not take a position that could
      // commit before a1's.
      const a2 = event(TENANT, 2);
      let a2Done = false;
      const appendA2 = events()
        .append(a2)
        .then((stored) => {
          a2Done = true;
          return stored;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(a2Done).toBe(false);
      await expect(events().listAfter(TENANT, earlier.id, 10)).resolves.toEqual([]);

      releaseA();
      await transactionA;
      const storedA2 = await appendA2;
      const feed = await events().listAfter(TENANT, earlier.id, 10);
      expect(feed.map((e) => e.id)).toEqual([a1.id, a2.id]);
      const [storedA1] = feed;
      // B took its position after a1 and committed before it: tenants' positions commit out of
      // order, which A's feed cannot show.
      expect(BigInt(storedB.position)).toBeGreaterThan(BigInt(storedA1?.position ?? 'x'));
      expect(BigInt(storedA2.position)).toBeGreaterThan(BigInt(storedB.position));
    }
  });

  it('never lets a reader skip an event of its tenant, with writers of several tenants committing in any order', async () => {
    const tenants = ['t-0', 't-1', 't-2'];
    const writersPerTenant = 4;
    const transactionsPerWriter = 8;
    const database = await target.create({ poolSize: 16 });
    const { db } = database;
    try {
      const read = new Map(tenants.map((tenant) => [tenant, [] as string[]]));
      let writing = true;
      const reader = async (tenant: string): Promise<void> => {
        const seen = read.get(tenant) as string[];
        for (;;) {
          const done = !writing;
          const page = await db.events.listAfter(tenant, seen.at(-1), 5);
          seen.push(...page.map((e) => e.id));
          if (done && page.length === 0) return;
          if (page.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      const committed = new Map(tenants.map((tenant) => [tenant, new Set<string>()]));
      const writer = async (tenant: string, n: number): Promise<void> => {
        for (let i = 0; i < transactionsPerWriter; i++) {
          const written = event(tenant, n * 100 + i);
          await db.transaction(async (uow) => {
            await uow.events.append(written);
            // Commit after a random delay, so that later positions are ready to commit first.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 8));
          });
          committed.get(tenant)?.add(written.id);
        }
      };
      const readers = tenants.map(reader);
      await Promise.all(
        tenants.flatMap((tenant) =>
          Array.from({ length: writersPerTenant }, (_, n) => writer(tenant, n)),
        ),
      );
      writing = false;
      await Promise.all(readers);
      for (const tenant of tenants) {
        const all = await db.events.listAfter(tenant, undefined, 500);
        expect(all).toHaveLength(writersPerTenant * transactionsPerWriter);
        expect(new Set(all.map((e) => e.id))).toEqual(committed.get(tenant));
        // What the reader collected while the writers ran is the whole feed, in feed order.
        expect(read.get(tenant)).toEqual(all.map((e) => e.id));
      }
    } finally {
      await database.dispose();
    }
  }, 60_000);
});

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
