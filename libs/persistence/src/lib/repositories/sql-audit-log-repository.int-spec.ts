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

  /** Every page of a listing, read by its cursors: each page's last id is the next `after`. */
  async function pages(
    tenantId: string,
    limit: number,
    options: { integrationId?: string; actionPrefix?: string } = {},
  ): Promise<string[][]> {
    const read: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await audit().list(tenantId, limit, {
        ...options,
        ...(after === undefined ? {} : { after }),
      });
      if (page.length === 0) return read;
      read.push(page.map((entry) => entry.action));
      after = page.at(-1)?.id;
    }
  }

  it('pages newest first by cursor, without gaps or repeats, and sees entries written meanwhile only at the top', async () => {
    for (let n = 0; n < 7; n++) {
      await audit().record({ tenantId: TENANT, actor: 'a', action: `step-${n}` });
    }
    await expect(pages(TENANT, 3)).resolves.toEqual([
      ['step-6', 'step-5', 'step-4'],
      ['step-3', 'step-2', 'step-1'],
      ['step-0'],
    ]);
    const [first] = await audit().list(TENANT, 1);
    await audit().record({ tenantId: TENANT, actor: 'a', action: 'later' });
    const below = await audit().list(TENANT, 10, { after: first?.id ?? '' });
    expect(below.map((entry) => entry.action)).toEqual(
      Array.from({ length: 6 }, (_, i) => `step-${5 - i}`),
    );
    expect((await audit().list(TENANT, 1))[0]?.action).toBe('later');
  });

  it("keeps each tenant's entries to itself, cursor or not", async () => {
    const shared = randomUUID();
    await audit().record({ tenantId: TENANT, actor: 'a', action: 'mine-1' });
    await audit().record({
      tenantId: 'tenant-b',
      actor: 'e',
      action: 'theirs',
      integrationId: shared,
    });
    await audit().record({ tenantId: TENANT, actor: 'a', action: 'mine-2', integrationId: shared });
    const [theirs] = await audit().list('tenant-b', 1);
    await expect(pages(TENANT, 1)).resolves.toEqual([['mine-2'], ['mine-1']]);
    // Another tenant's id as a cursor only says where to start.
    const fromTheirs = await audit().list(TENANT, 10, { after: theirs?.id ?? '' });
    expect(fromTheirs.map((entry) => entry.action)).toEqual(['mine-1']);
    const aboutShared = await audit().list(TENANT, 10, { integrationId: shared });
    expect(aboutShared.map((entry) => entry.action)).toEqual(['mine-2']);
    await expect(audit().list('tenant-c', 10)).resolves.toEqual([]);
  });

  it('filters by registration and by the start of the action, and pages the filtered listing', async () => {
    const one = randomUUID();
    const other = randomUUID();
    const write = (action: string, integrationId: string | null) =>
      audit().record({ tenantId: TENANT, actor: 'a', action, integrationId });
    await write('integration.register', one);
    await write('secret.resolved', one);
    await write('secret.resolved', other);
    await write('secret_resolved', one);
    await write('secret.refused', one);
    await write('secret.failed', null);
    await write('integration.test', one);
    await write('secret.resolved', one);

    await expect(
      pages(TENANT, 2, { integrationId: one, actionPrefix: 'secret.' }),
    ).resolves.toEqual([['secret.resolved', 'secret.refused'], ['secret.resolved']]);
    await expect(pages(TENANT, 10, { actionPrefix: 'secret.' })).resolves.toEqual([
      ['secret.resolved', 'secret.failed', 'secret.refused', 'secret.resolved', 'secret.resolved'],
    ]);
    await expect(pages(TENANT, 10, { actionPrefix: 'secret.resolved' })).resolves.toEqual([
      ['secret.resolved', 'secret.resolved', 'secret.resolved'],
    ]);
    await expect(pages(TENANT, 10, { integrationId: one })).resolves.toEqual([
      [
        'secret.resolved',
        'integration.test',
        'secret.refused',
        'secret_resolved',
        'secret.resolved',
        'integration.register',
      ],
    ]);
    await expect(pages(TENANT, 10, { integrationId: other })).resolves.toEqual([
      ['secret.resolved'],
    ]);
    await expect(audit().list(TENANT, 10, { actionPrefix: 'nothing.' })).resolves.toEqual([]);
  });

  it('refuses a cursor that is not an entry id, naming the parameter', async () => {
    for (const after of ['', 'abc', '-1', '1.5', '9223372036854775808', '1'.repeat(20)]) {
      const error: unknown = await audit()
        .list(TENANT, 10, { after })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).errors.map((e) => e.path)).toEqual(['/after']);
    }
    await expect(audit().list(TENANT, 10, { after: '9223372036854775807' })).resolves.toEqual([]);
    await expect(audit().list(TENANT, 10, { after: '0' })).resolves.toEqual([]);
  });

  it('refuses an integration id that is not a uuid', async () => {
    await expect(
      audit().record({ tenantId: TENANT, actor: 'a', action: 'x', integrationId: 'nope' }),
    ).rejects.toBeInstanceOf(InputError);
  });
});
