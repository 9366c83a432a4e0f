import { randomUUID } from 'node:crypto';
import { ConflictError, InputError } from '@stellaops/integrations-core';
import type { LifecycleEvent } from '@stellaops/integrations-core';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';

const TENANT = 'tenant-a';
const OTHER_TENANT = 'tenant-b';

function event(tenantId: string, n: number, integrationId = randomUUID()): LifecycleEvent {
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
});
