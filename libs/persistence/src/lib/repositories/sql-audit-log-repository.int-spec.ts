import { randomUUID } from 'node:crypto';
import { InputError } from '@stellaops/integrations-core';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';

const TENANT = 'tenant-a';

describeOnDatabases('SqlAuditLogRepository', (target) => {
  const current = useTestDatabase(target);
  const audit = () => current().db.audit;

  it('records who did what, and lists a tenant’s entries newest first', async () => {
    const integrationId = randomUUID();
    const before = Date.now();
    await audit().record({
      tenantId: TENANT,
      actor: 'alice',
      action: 'integration.register',
      integrationId,
    });
    await audit().record({
      tenantId: TENANT,
      actor: 'health-poller',
      action: 'secret.resolve',
      integrationId,
      details: { slot: 'token', store: 'env' },
    });
    await audit().record({ tenantId: TENANT, actor: 'bob', action: 'providers.list' });
    await audit().record({ tenantId: 'tenant-b', actor: 'eve', action: 'integration.register' });

    const entries = await audit().list(TENANT, 10);
    expect(entries.map((e) => e.action)).toEqual([
      'providers.list',
      'secret.resolve',
      'integration.register',
    ]);
    expect(entries[1]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      tenantId: TENANT,
      occurredAt: expect.stringMatching(/Z$/),
      actor: 'health-poller',
      action: 'secret.resolve',
      integrationId,
      details: { slot: 'token', store: 'env' },
    });
    expect(Date.parse(entries[1]?.occurredAt ?? '')).toBeGreaterThanOrEqual(before - 60_000);
    expect(entries[0]).toMatchObject({ integrationId: null, details: {} });

    await expect(audit().list(TENANT, 1)).resolves.toEqual(entries.slice(0, 1));
    const aboutIt = await audit().list(TENANT, 10, { integrationId });
    expect(aboutIt.map((e) => e.action)).toEqual(['secret.resolve', 'integration.register']);
    await expect(audit().list(TENANT, 10, { integrationId: 'nope' })).resolves.toEqual([]);
  });

  it('keeps the newest-first order past ten entries', async () => {
    for (let n = 0; n < 12; n++)
      await audit().record({ tenantId: TENANT, actor: 'a', action: `step-${n}` });
    const entries = await audit().list(TENANT, 100);
    expect(entries.map((e) => e.action)).toEqual(
      Array.from({ length: 12 }, (_, i) => `step-${11 - i}`),
    );
  });

  it('refuses an integration id that is not a uuid', async () => {
    await expect(
      audit().record({ tenantId: TENANT, actor: 'a', action: 'x', integrationId: 'nope' }),
    ).rejects.toBeInstanceOf(InputError);
  });
});
