import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '@stellaops/integrations-core';
import type { HealthStatus, Integration } from '@stellaops/integrations-core';
import { backendOf } from '../database';
import { TransactionSqlExecutor } from '../sql/sql-executor';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';
import type { AvailabilityWindow, NewHealthHistoryEntry } from './health-history-repository';
import { SqlHealthHistoryRepository } from './sql-health-history-repository';

const TENANT = 'tenant-a';
const LIMIT = 5;

describeOnDatabases('SqlHealthHistoryRepository', (target) => {
  const current = useTestDatabase(target, { healthHistoryLimit: LIMIT });
  const db = () => current().db;

  function register(name: string, tenantId = TENANT): Promise<Integration> {
    return db().integrations.insert({
      tenantId,
      name,
      type: 'registry',
      provider: 'oci',
      endpoint: 'https://registry.example.com',
      settings: {},
      credentials: {},
      healthCheckIntervalSeconds: 60,
      tags: [],
      createdBy: 'poller',
    });
  }

  function entry(integration: Integration, minute: number): NewHealthHistoryEntry {
    return {
      tenantId: integration.tenantId,
      integrationId: integration.id,
      status: minute % 2 === 0 ? 'healthy' : 'unhealthy',
      success: minute % 2 === 0,
      phase: minute % 2 === 0 ? null : 'connect',
      isTransient: minute % 2 !== 0,
      message: `check ${minute}`,
      durationMs: 12.6,
      checkedAt: new Date(Date.UTC(2026, 10, 23, 12, minute)).toISOString(),
      details: { attempt: minute, nested: { ok: true } },
    };
  }

  it('keeps the newest entries up to the limit, newest first, per registration', async () => {
    const registry = await register('registry');
    const other = await register('other');
    // Out of order on purpose: retention goes by check time, not by arrival.
    for (const minute of [3, 0, 1, 7, 2, 6, 5, 4])
      await db().healthHistory.append(entry(registry, minute));
    await db().healthHistory.append(entry(other, 0));

    const history = await db().healthHistory.list(TENANT, registry.id, 100);
    expect(history.map((h) => h.message)).toEqual([
      'check 7',
      'check 6',
      'check 5',
      'check 4',
      'check 3',
    ]);
    expect(history[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      tenantId: TENANT,
      integrationId: registry.id,
      status: 'unhealthy',
      success: false,
      phase: 'connect',
      isTransient: true,
      message: 'check 7',
      durationMs: 13,
      checkedAt: '2026-11-23T12:07:00.000Z',
      details: { attempt: 7, nested: { ok: true } },
    });
    await expect(db().healthHistory.list(TENANT, registry.id, 2)).resolves.toEqual(
      history.slice(0, 2),
    );
    await expect(db().healthHistory.list(TENANT, other.id, 100)).resolves.toHaveLength(1);
  });

  it('orders entries checked at the same moment by arrival', async () => {
    const registry = await register('registry');
    for (let n = 0; n < 12; n++) {
      await db().healthHistory.append({ ...entry(registry, 0), message: `arrival ${n}` });
    }
    const history = await db().healthHistory.list(TENANT, registry.id, 100);
    expect(history.map((h) => h.message)).toEqual([
      'arrival 11',
      'arrival 10',
      'arrival 9',
      'arrival 8',
      'arrival 7',
    ]);
  });

  it('files entries only under a registration of the same tenant', async () => {
    const theirs = await register('theirs', 'tenant-b');
    await expect(
      db().healthHistory.append({ ...entry(theirs, 1), tenantId: TENANT }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      db().healthHistory.append({ ...entry(theirs, 1), integrationId: randomUUID() }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await db().healthHistory.append(entry(theirs, 1));
    await expect(db().healthHistory.list(TENANT, theirs.id, 10)).resolves.toEqual([]);
    await expect(db().healthHistory.list('tenant-b', theirs.id, 10)).resolves.toHaveLength(1);
    await expect(db().healthHistory.list(TENANT, 'not-a-uuid', 10)).resolves.toEqual([]);
  });

  /**
   * Plants entries at offsets (seconds) from the database's now() and runs `fn` in the same
   * transaction, where now() stands still: availability's figures are then exact.
   */
  async function atOneMoment<T>(
    entries: readonly { integration: Integration; offset: number; status: HealthStatus }[],
    fn: (history: SqlHealthHistoryRepository) => Promise<T>,
  ): Promise<T> {
    const runner = backendOf(db()).dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const { healthHistory } = tableNames(current().schema);
      for (const { integration, offset, status } of entries) {
        await runner.query(
          `INSERT INTO ${healthHistory} ("tenant_id", "integration_id", "status", "success",
              "is_transient", "message", "duration_ms", "checked_at")
            VALUES ($1, $2, $3, $4, false, 'planted', 1, now() + make_interval(secs => $5))`,
          [integration.tenantId, integration.id, status, status === 'healthy', offset],
        );
      }
      return await fn(
        new SqlHealthHistoryRepository(
          new TransactionSqlExecutor(runner),
          tableNames(current().schema),
          LIMIT,
        ),
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  function window(
    windowSeconds: number,
    upSeconds: number,
    downSeconds: number,
    checks: number,
  ): AvailabilityWindow {
    const known = upSeconds + downSeconds;
    return {
      windowSeconds,
      availability: known > 0 ? upSeconds / known : null,
      checks,
      upSeconds,
      downSeconds,
      unknownSeconds: windowSeconds - known,
    };
  }

  it('computes availability per window from a timeline: each status holds until the next entry, the last until now', async () => {
    const registry = await register('registry');
    const other = await register('other');
    const theirs = await register('theirs', 'tenant-b');
    const timeline: { offset: number; status: HealthStatus }[] = [
      { offset: -7200, status: 'healthy' },
      { offset: -3000, status: 'unhealthy' },
      { offset: -2400, status: 'degraded' },
      { offset: -1200, status: 'unhealthy' },
      { offset: -900, status: 'healthy' },
      { offset: -300, status: 'unknown' },
      // A writer's clock ahead of the database's: it ends nothing before now and covers nothing.
      { offset: 600, status: 'unhealthy' },
    ];
    const windows = await atOneMoment(
      [
        ...timeline.map((entry) => ({ ...entry, integration: registry })),
        // Other registrations' entries, of this tenant and another, do not count.
        { integration: other, offset: -1000, status: 'unhealthy' },
        { integration: theirs, offset: -1000, status: 'unhealthy' },
      ],
      (history) => history.availability(TENANT, registry.id, [3600, 1800, 600, 60, 14400, 3000]),
    );
    expect(windows).toEqual([
      // Opens in the healthy state of -7200 (600 s), then unhealthy 600, degraded 1200,
      // unhealthy 300, healthy 600, unknown 300.
      window(3600, 2400, 900, 5),
      window(1800, 1200, 300, 3),
      window(600, 300, 0, 1),
      // Only the unknown entry covers it: no availability.
      window(60, 0, 0, 0),
      // 7200 s before the first entry are unknown.
      window(14400, 6000, 900, 6),
      // An entry at the window's very start is inside it.
      window(3000, 1800, 900, 5),
    ]);
    expect(windows[0]?.availability).toBeCloseTo(2400 / 3300, 12);
    expect(windows[4]?.unknownSeconds).toBe(7500);
  });

  it('answers null availability for a registration with no history, another tenant’s and a malformed id', async () => {
    const registry = await register('registry');
    const empty = [window(3600, 0, 0, 0), window(60, 0, 0, 0)];
    await atOneMoment([{ integration: registry, offset: -100, status: 'healthy' }], async (h) => {
      await expect(h.availability('tenant-b', registry.id, [3600, 60])).resolves.toEqual(empty);
      await expect(h.availability(TENANT, randomUUID(), [3600, 60])).resolves.toEqual(empty);
      await expect(h.availability(TENANT, 'not-a-uuid', [3600, 60])).resolves.toEqual(empty);
      await expect(h.availability(TENANT, registry.id, [])).resolves.toEqual([]);
      await expect(h.availability(TENANT, registry.id, [0])).rejects.toBeInstanceOf(InputError);
      await expect(h.availability(TENANT, registry.id, [Number.NaN])).rejects.toBeInstanceOf(
        InputError,
      );
    });
    // Through the Database's own repository, by its clock: a healthy entry a minute ago.
    await db().healthHistory.append({
      ...entry(registry, 0),
      status: 'healthy',
      checkedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const [hour] = await db().healthHistory.availability(TENANT, registry.id, [3600]);
    expect(hour).toMatchObject({ availability: 1, checks: 1, downSeconds: 0 });
    expect(hour?.upSeconds).toBeGreaterThan(50);
    expect(hour?.upSeconds).toBeLessThan(120);
  });

  describe('prune', () => {
    const DAY = 24 * 3600;
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

    async function messages(integration: Integration): Promise<string[]> {
      const history = await db().healthHistory.list(integration.tenantId, integration.id, 100);
      return history.map((h) => h.message);
    }

    async function plant(integration: Integration, agesSeconds: readonly number[]): Promise<void> {
      for (const age of agesSeconds) {
        await db().healthHistory.append({
          ...entry(integration, 0),
          message: `age ${age}`,
          checkedAt: ago(age),
        });
      }
    }

    it('removes entries older than the age bound, a batch at a time', async () => {
      const a = await register('a');
      const b = await register('b');
      await plant(a, [10 * DAY, 8 * DAY, DAY, 3600]);
      await plant(b, [9 * DAY, 8 * DAY + 1, 60]);
      const retention = { maxEntries: LIMIT, maxAgeSeconds: 7 * DAY };
      await expect(db().healthHistory.prune(retention, 3)).resolves.toBe(3);
      // Oldest first: a's 8-day entry is the one left of the old ones.
      await expect(messages(a)).resolves.toEqual([`age ${3600}`, `age ${DAY}`, `age ${8 * DAY}`]);
      await expect(db().healthHistory.prune(retention, 3)).resolves.toBe(1);
      await expect(db().healthHistory.prune(retention, 3)).resolves.toBe(0);
      await expect(messages(a)).resolves.toEqual([`age ${3600}`, `age ${DAY}`]);
      await expect(messages(b)).resolves.toEqual([`age 60`]);
    });

    it('keeps the newest maxEntries of every registration, deleted ones too, counting each removal once', async () => {
      const a = await register('a');
      const b = await register('b');
      const c = await register('c');
      await plant(a, [500, 400, 300, 200, 100]);
      await plant(b, [50, 40]);
      // Two entries both too old and beyond the newest two: removed and counted once.
      await plant(c, [9 * DAY, 8 * DAY, 30, 20, 10]);
      await db().integrations.softDelete(TENANT, c.id, 'alice');
      const retention = { maxEntries: 2, maxAgeSeconds: 7 * DAY };
      await expect(db().healthHistory.prune(retention, 100)).resolves.toBe(6);
      await expect(db().healthHistory.prune(retention, 100)).resolves.toBe(0);
      await expect(messages(a)).resolves.toEqual(['age 100', 'age 200']);
      await expect(messages(b)).resolves.toEqual(['age 40', 'age 50']);
      const [{ count } = { count: -1 }] = (await backendOf(db()).dataSource.query(
        `SELECT count(*)::integer AS "count" FROM ${tableNames(current().schema).healthHistory}
          WHERE "integration_id" = $1`,
        [c.id],
      )) as { count: number }[];
      expect(count).toBe(2);
    });

    it('stops at the batch limit across both bounds, and refuses bounds that are not positive', async () => {
      const a = await register('a');
      await plant(a, [9 * DAY, 8 * DAY, 30, 20, 10]);
      const retention = { maxEntries: 1, maxAgeSeconds: 7 * DAY };
      await expect(db().healthHistory.prune(retention, 3)).resolves.toBe(3);
      await expect(messages(a)).resolves.toEqual(['age 10', 'age 20']);
      await expect(db().healthHistory.prune(retention, 3)).resolves.toBe(1);
      await expect(messages(a)).resolves.toEqual(['age 10']);
      for (const [bad, batch] of [
        [{ maxEntries: 0, maxAgeSeconds: DAY }, 10],
        [{ maxEntries: 1, maxAgeSeconds: -1 }, 10],
        [{ maxEntries: 1, maxAgeSeconds: DAY }, 0],
      ] as const) {
        await expect(db().healthHistory.prune(bad, batch)).rejects.toBeInstanceOf(InputError);
      }
    });
  });
});
