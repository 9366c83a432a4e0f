import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { LifecycleEvent } from '@stellaops/integrations-core';
import { backendOf, Database } from './database';
import type { NewIntegrationRecord } from './repositories/integration-repository';
import { describeOnDatabases, useTestDatabase } from './testing/describe-on-databases';
import { startTcpRelay } from './testing/tcp-relay';

const TENANT = 'tenant-a';

function record(name: string): NewIntegrationRecord {
  return {
    tenantId: TENANT,
    name,
    type: 'registry',
    provider: 'harbor',
    endpoint: 'https://harbor.example.com',
    settings: {},
    credentials: {},
    healthCheckIntervalSeconds: 300,
    tags: [],
    createdBy: 'alice',
  };
}

function registered(integrationId: string, name: string): LifecycleEvent {
  return {
    id: randomUUID(),
    type: 'integration.registered',
    tenantId: TENANT,
    integrationId,
    occurredAt: new Date().toISOString(),
    payload: {
      integration: { id: integrationId, name, type: 'registry', provider: 'harbor', version: 1 },
    },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOnDatabases('Database', (target) => {
  const current = useTestDatabase(target);
  const db = () => current().db;

  it('commits a change and its event together', async () => {
    const { integration, event } = await db().transaction(async (uow) => {
      const created = await uow.integrations.insert(record('harbor'));
      return {
        integration: created,
        event: await uow.events.append(registered(created.id, created.name)),
      };
    });
    await expect(db().integrations.findById(TENANT, integration.id)).resolves.toEqual(integration);
    await expect(db().events.listAfter(TENANT, undefined, 10)).resolves.toEqual([event]);
  });

  it('rolls back both the change and its event when the transaction throws', async () => {
    let createdId = '';
    await expect(
      db().transaction(async (uow) => {
        const created = await uow.integrations.insert(record('harbor'));
        createdId = created.id;
        await uow.events.append(registered(created.id, created.name));
        await uow.audit.record({
          tenantId: TENANT,
          actor: 'alice',
          action: 'integration.register',
        });
        // Visible inside the transaction...
        await expect(uow.integrations.findById(TENANT, created.id)).resolves.not.toBeNull();
        throw new Error('the plugin refused the settings');
      }),
    ).rejects.toThrow('the plugin refused the settings');
    // ...and gone after it.
    expect(createdId).not.toBe('');
    await expect(db().integrations.findById(TENANT, createdId)).resolves.toBeNull();
    await expect(db().events.listAfter(TENANT, undefined, 10)).resolves.toEqual([]);
    await expect(db().audit.list(TENANT, 10)).resolves.toEqual([]);
    await expect(db().integrations.count(TENANT)).resolves.toBe(0);
  });

  it('keeps concurrent transactions apart: rolled-back ones leave nothing, committed ones everything', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        db().transaction(async (uow) => {
          const created = await uow.integrations.insert(record(`harbor-${i}`));
          await delay(3);
          await uow.events.append(registered(created.id, created.name));
          if (i % 3 === 0) throw new Error(`abort ${i}`);
          return created.name;
        }),
      ),
    );
    const committed = outcomes
      .filter(
        (outcome): outcome is PromiseFulfilledResult<string> => outcome.status === 'fulfilled',
      )
      .map((outcome) => outcome.value)
      .sort();
    expect(committed).toHaveLength(8);
    const page = await db().integrations.list({ tenantId: TENANT, limit: 50 });
    expect(page.items.map((item) => item.name).sort()).toEqual(committed);
    const events = await db().events.listAfter(TENANT, undefined, 50);
    expect(events.map((event) => event.payload.integration.name).sort()).toEqual(committed);
  });

  it('refuses the root repositories and a nested transaction inside a transaction', async () => {
    await db().transaction(async (uow) => {
      await expect(db().integrations.count(TENANT)).rejects.toThrow(
        /use the repositories of the UnitOfWork/,
      );
      await expect(db().transaction(async () => undefined)).rejects.toThrow(/do not nest/);
      await expect(uow.integrations.count(TENANT)).resolves.toBe(0);
    });
    // Outside again, the root repositories work.
    await expect(db().integrations.count(TENANT)).resolves.toBe(0);
  });

  it('has applied every migration, and applying again does nothing', async () => {
    await expect(db().pendingMigrations()).resolves.toEqual([]);
    await expect(db().runMigrations()).resolves.toEqual([]);
  });

  it('has a schema that matches the entities', async () => {
    const { dataSource } = backendOf(db());
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('pings while open and answers false once closed', async () => {
    await expect(db().ping()).resolves.toBe(true);
    await db().close();
    await expect(db().ping()).resolves.toBe(false);
    await expect(db().close()).resolves.toBeUndefined();
  });

  {
    it('hands out event positions in commit order across connections', async () => {
      let finishFirst: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (finishFirst = resolve));
      const seed = await db().integrations.insert(record('harbor'));
      const first = db().transaction(async (uow) => {
        const stored = await uow.events.append(registered(seed.id, 'first'));
        await gate;
        return stored;
      });
      await delay(50);
      const second = db().transaction((uow) => uow.events.append(registered(seed.id, 'second')));
      await delay(200);
      // The second append waits for the first transaction, so nothing has committed yet.
      await expect(db().events.listAfter(TENANT, undefined, 10)).resolves.toEqual([]);
      finishFirst();
      const [a, b] = await Promise.all([first, second]);
      expect(BigInt(a.position)).toBeLessThan(BigInt(b.position));
      const feed = await db().events.listAfter(TENANT, undefined, 10);
      expect(feed.map((event) => event.id)).toEqual([a.id, b.id]);
    });

    it('answers a ping with false when PostgreSQL goes away', async () => {
      const relay = await startTcpRelay(current().url);
      const database = await Database.open({
        databaseUrl: relay.url,
        schema: current().schema,
        connectTimeoutMs: 500,
      });
      try {
        await expect(database.ping(1000)).resolves.toBe(true);
        await relay.close();
        await expect(database.ping(1000)).resolves.toBe(false);
      } finally {
        await database.close();
      }
    });

    it('bounds every call when the network drops packets, and recovers when it heals', async () => {
      const relay = await startTcpRelay(current().url);
      const database = await Database.open({
        databaseUrl: relay.url,
        schema: current().schema,
        poolSize: 2,
        connectTimeoutMs: 500,
        statementTimeoutMs: 400,
        queryTimeoutMs: 600,
      });
      try {
        await database.integrations.insert(record('before'));
        relay.setMode('partition');
        const started = Date.now();
        const calls = await Promise.allSettled([
          database.integrations.count(TENANT),
          database.integrations.count(TENANT),
          database.integrations.count(TENANT),
          database.transaction((uow) => uow.integrations.insert(record('during'))),
        ]);
        expect(Date.now() - started).toBeLessThan(5_000);
        for (const call of calls) expect(call.status).toBe('rejected');
        // Healed: the pool drops the connections whose answers never came and opens new ones.
        relay.setMode('pass');
        let count: number | undefined;
        for (let attempt = 0; attempt < 50 && count === undefined; attempt++) {
          count = await database.integrations.count(TENANT).catch(() => undefined);
          if (count === undefined) await delay(100);
        }
        expect(count).toBe(1);
      } finally {
        relay.setMode('pass');
        await database.close();
        await relay.close();
      }
    });
  }
});

describe('Database.open', () => {
  it('fails with the driver’s error when PostgreSQL is unreachable', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      Database.open({
        databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`,
        connectTimeoutMs: 500,
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      Database.open({ databaseUrl: 'postgres://127.0.0.1:1/x', schema: 'a"; DROP TABLE x; --' }),
    ).rejects.toThrow(/not a plain identifier/);
  });
});
