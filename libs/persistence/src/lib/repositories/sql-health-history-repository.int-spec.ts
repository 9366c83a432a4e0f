import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@stellaops/integrations-core';
import type { Integration } from '@stellaops/integrations-core';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';
import type { NewHealthHistoryEntry } from './health-history-repository';

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
});
