import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  assessHealth,
  ConflictError,
  InputError,
  NotFoundError,
  PreconditionFailedError,
} from '@stellaops/integrations-core';
import type { Integration } from '@stellaops/integrations-core';
import { CredentialsCodec } from '../credentials-codec';
import type { KeyringOptions } from '../credentials-keyring';
import { backendOf, Database } from '../database';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';
import type { TestDatabase } from '../testing/test-databases';
import type {
  IntegrationCursor,
  IntegrationListQuery,
  NewIntegrationRecord,
} from './integration-repository';

const TENANT = 'tenant-a';
const OTHER_TENANT = 'tenant-b';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function record(overrides: Partial<NewIntegrationRecord> = {}): NewIntegrationRecord {
  return {
    tenantId: TENANT,
    name: 'github-main',
    type: 'scm',
    provider: 'github-app',
    endpoint: 'https://api.github.com',
    settings: { appId: 42, installation: { id: 7 } },
    credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
    healthCheckIntervalSeconds: 300,
    tags: ['prod', ' team-a ', 'prod', ''],
    createdBy: 'alice',
    ...overrides,
  };
}

/** PostgreSQL's "C" collation: UTF-8 byte order, then the id. */
function byteOrder(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || (a.id < b.id ? -1 : 1);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describeOnDatabases('SqlIntegrationRepository', (target) => {
  const current = useTestDatabase(target);
  const repo = () => current().db.integrations;

  async function listAll(query: Omit<IntegrationListQuery, 'after'>): Promise<Integration[]> {
    const seen: Integration[] = [];
    let after: IntegrationCursor | undefined;
    for (let pages = 0; pages < 10_000; pages++) {
      const page = await repo().list({ ...query, ...(after === undefined ? {} : { after }) });
      expect(page.items.length).toBeLessThanOrEqual(query.limit);
      seen.push(...page.items);
      if (page.next === null) return seen;
      expect(page.items.length).toBe(query.limit);
      after = page.next;
    }
    throw new Error('the listing never ended');
  }

  it('inserts a registration and reads it back as the core model', async () => {
    const inserted = await repo().insert(record());
    expect(inserted).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenantId: TENANT,
      name: 'github-main',
      type: 'scm',
      provider: 'github-app',
      endpoint: 'https://api.github.com',
      settings: { appId: 42, installation: { id: 7 } },
      secretSettings: [],
      credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
      status: 'pending',
      health: 'unknown',
      lastCheckedAt: null,
      lastHealthMessage: null,
      consecutiveFailures: 0,
      healthCheckIntervalSeconds: 300,
      tags: ['prod', 'team-a'],
      createdAt: expect.stringMatching(ISO_UTC),
      updatedAt: expect.stringMatching(ISO_UTC),
      createdBy: 'alice',
      updatedBy: 'alice',
      version: 1,
    });
    expect(Math.abs(Date.parse(inserted.createdAt) - Date.now())).toBeLessThan(60_000);
    await expect(repo().findById(TENANT, inserted.id)).resolves.toEqual(inserted);
    await expect(repo().count(TENANT)).resolves.toBe(1);
  });

  it('keeps a given id and status, and refuses an id that is taken or not a uuid', async () => {
    const id = randomUUID();
    const inserted = await repo().insert(record({ id, status: 'disabled' }));
    expect(inserted.id).toBe(id);
    expect(inserted.status).toBe('disabled');
    await expect(repo().insert(record({ id, name: 'other' }))).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(repo().insert(record({ id: 'not-a-uuid' }))).rejects.toBeInstanceOf(InputError);
  });

  it('answers null for a missing id, a malformed id and another tenant’s id', async () => {
    const inserted = await repo().insert(record());
    await expect(repo().findById(TENANT, randomUUID())).resolves.toBeNull();
    await expect(repo().findById(TENANT, 'not-a-uuid')).resolves.toBeNull();
    await expect(repo().findById(TENANT, "1' OR '1'='1")).resolves.toBeNull();
    await expect(repo().findById(OTHER_TENANT, inserted.id)).resolves.toBeNull();
  });

  it('refuses a second live registration with the same name in a tenant, not in another tenant', async () => {
    await repo().insert(record());
    const clash = repo().insert(record({ endpoint: 'https://elsewhere' }));
    await expect(clash).rejects.toBeInstanceOf(ConflictError);
    await expect(clash).rejects.toThrow(
      'an integration named "github-main" already exists in this tenant',
    );
    const elsewhere = await repo().insert(record({ tenantId: OTHER_TENANT }));
    expect(elsewhere.tenantId).toBe(OTHER_TENANT);
    // Names compare byte for byte: another case is another name.
    await expect(repo().insert(record({ name: 'GitHub-Main' }))).resolves.toMatchObject({
      name: 'GitHub-Main',
    });
  });

  it('frees the name of a soft-deleted registration and hides it', async () => {
    const first = await repo().insert(record());
    const deleted = await repo().softDelete(TENANT, first.id, 'bob');
    expect(deleted).toMatchObject({ id: first.id, version: 2, updatedBy: 'bob' });
    await expect(repo().findById(TENANT, first.id)).resolves.toBeNull();
    await expect(repo().count(TENANT)).resolves.toBe(0);
    const again = await repo().insert(record());
    expect(again.id).not.toBe(first.id);
    const page = await repo().list({ tenantId: TENANT, limit: 10 });
    expect(page.items.map((item) => item.id)).toEqual([again.id]);
    await expect(repo().softDelete(TENANT, first.id, 'bob')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      repo().update(TENANT, first.id, { updatedBy: 'bob', endpoint: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('updates only the given fields, bumping version and updatedAt', async () => {
    const inserted = await repo().insert(record());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renamed = await repo().update(TENANT, inserted.id, {
      name: 'github-renamed',
      tags: ['b', 'a', 'a'],
      updatedBy: 'bob',
    });
    expect(renamed).toEqual({
      ...inserted,
      name: 'github-renamed',
      tags: ['a', 'b'],
      updatedBy: 'bob',
      version: 2,
      updatedAt: expect.stringMatching(ISO_UTC),
    });
    expect(Date.parse(renamed.updatedAt)).toBeGreaterThan(Date.parse(inserted.updatedAt));

    const changed = await repo().update(
      TENANT,
      inserted.id,
      {
        endpoint: 'https://github.example.com/api/v3',
        settings: { appId: 43 },
        credentials: { privateKey: 'authref://vault/kv/github#key' },
        status: 'active',
        healthCheckIntervalSeconds: 60,
        updatedBy: 'carol',
      },
      2,
    );
    expect(changed).toMatchObject({
      name: 'github-renamed',
      endpoint: 'https://github.example.com/api/v3',
      settings: { appId: 43 },
      credentials: { privateKey: 'authref://vault/kv/github#key' },
      status: 'active',
      healthCheckIntervalSeconds: 60,
      tags: ['a', 'b'],
      createdBy: 'alice',
      updatedBy: 'carol',
      version: 3,
    });
    await expect(repo().findById(TENANT, inserted.id)).resolves.toEqual(changed);
  });

  it('refuses a rename onto a name that is taken', async () => {
    await repo().insert(record({ name: 'taken' }));
    const other = await repo().insert(record({ name: 'free' }));
    await expect(
      repo().update(TENANT, other.id, { name: 'taken', updatedBy: 'bob' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(repo().findById(TENANT, other.id)).resolves.toMatchObject({
      name: 'free',
      version: 1,
    });
  });

  it('tells a stale version (412) from a missing registration (404)', async () => {
    const inserted = await repo().insert(record());
    await repo().update(TENANT, inserted.id, { endpoint: 'https://a', updatedBy: 'bob' }, 1);
    await expect(
      repo().update(TENANT, inserted.id, { endpoint: 'https://b', updatedBy: 'bob' }, 1),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(repo().softDelete(TENANT, inserted.id, 'bob', 1)).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(
      repo().update(TENANT, randomUUID(), { endpoint: 'https://b', updatedBy: 'bob' }, 1),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      repo().update(TENANT, 'nope', { endpoint: 'https://b', updatedBy: 'bob' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const deleted = await repo().softDelete(TENANT, inserted.id, 'bob', 2);
    expect(deleted.version).toBe(3);
  });

  it('lets exactly one of many concurrent updates at the same version win', async () => {
    const inserted = await repo().insert(record());
    const attempts = 8;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        repo().update(
          TENANT,
          inserted.id,
          { endpoint: `https://writer-${i}`, updatedBy: `w${i}` },
          1,
        ),
      ),
    );
    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter((result) => result.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(attempts - 1);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(PreconditionFailedError);
    const stored = await repo().findById(TENANT, inserted.id);
    expect(stored?.version).toBe(2);
    expect(stored?.endpoint).toBe(
      (winners[0] as PromiseFulfilledResult<Integration>).value.endpoint,
    );
  });

  it('keeps tenants apart on every write', async () => {
    const theirs = await repo().insert(record({ tenantId: OTHER_TENANT }));
    await expect(
      repo().update(TENANT, theirs.id, { endpoint: 'https://mine', updatedBy: 'eve' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo().softDelete(TENANT, theirs.id, 'eve')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      repo().recordHealth(TENANT, theirs.id, {
        status: 'unhealthy',
        consecutiveFailures: 1,
        nextCheckAt: new Date().toISOString(),
        message: 'x',
        checkedAt: new Date().toISOString(),
        success: false,
      }),
    ).resolves.toBeNull();
    await expect(repo().findById(OTHER_TENANT, theirs.id)).resolves.toEqual(theirs);
    await expect(repo().count(TENANT)).resolves.toBe(0);
  });

  it('records the health, streak and next check it is given, without bumping the version', async () => {
    const inserted = await repo().insert(record());
    const failedAt = '2026-11-23T10:00:00.123Z';
    const first = await repo().recordHealth(TENANT, inserted.id, {
      status: 'unhealthy',
      consecutiveFailures: 1,
      nextCheckAt: '2026-11-23T10:05:00.123Z',
      message: 'connection refused',
      checkedAt: failedAt,
      success: false,
    });
    expect(first?.previousHealth).toBe('unknown');
    expect(first?.integration).toMatchObject({
      health: 'unhealthy',
      lastHealthMessage: 'connection refused',
      lastCheckedAt: failedAt,
      consecutiveFailures: 1,
      version: 1,
      updatedAt: inserted.updatedAt,
    });
    const second = await repo().recordHealth(TENANT, inserted.id, {
      status: 'degraded',
      consecutiveFailures: 2,
      nextCheckAt: '2026-11-23T10:15:00.000Z',
      message: 'still refused',
      checkedAt: '2026-11-23T10:05:00.000Z',
      success: false,
    });
    expect(second?.previousHealth).toBe('unhealthy');
    expect(second?.integration).toMatchObject({ health: 'degraded', consecutiveFailures: 2 });
    const healed = await repo().recordHealth(TENANT, inserted.id, {
      status: 'healthy',
      consecutiveFailures: 0,
      nextCheckAt: '2026-11-23T10:20:00.000Z',
      message: 'ok',
      checkedAt: '2026-11-23T10:10:00.000Z',
      success: true,
      integrationStatus: 'active',
    });
    expect(healed?.previousHealth).toBe('degraded');
    expect(healed?.integration).toMatchObject({
      health: 'healthy',
      status: 'active',
      consecutiveFailures: 0,
      version: 1,
    });
    const [stored] = (await backendOf(current().db).dataSource.query(
      `SELECT "next_check_at" FROM ${tableNames(current().schema).integrations} WHERE "id" = $1`,
      [inserted.id],
    )) as { next_check_at: string }[];
    expect(stored?.next_check_at).toBe('2026-11-23T10:20:00.000Z');
    await expect(
      repo().recordHealth(TENANT, randomUUID(), {
        status: 'healthy',
        consecutiveFailures: 0,
        nextCheckAt: failedAt,
        message: 'ok',
        checkedAt: failedAt,
        success: true,
      }),
    ).resolves.toBeNull();
    await expect(
      repo().recordHealth(TENANT, inserted.id, {
        status: 'healthy',
        consecutiveFailures: -1,
        nextCheckAt: failedAt,
        message: 'ok',
        checkedAt: failedAt,
        success: true,
      }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('never re-enables a registration disabled while its test ran', async () => {
    const inserted = await repo().insert(record());
    await repo().update(TENANT, inserted.id, { status: 'disabled', updatedBy: 'operator' }, 1);
    const recorded = await repo().recordHealth(TENANT, inserted.id, {
      status: 'healthy',
      consecutiveFailures: 0,
      nextCheckAt: '2026-11-23T10:15:00.000Z',
      message: 'ok',
      checkedAt: '2026-11-23T10:10:00.000Z',
      success: true,
      integrationStatus: 'active',
    });
    expect(recorded?.integration).toMatchObject({ status: 'disabled', health: 'healthy' });
  });

  it('serializes read-assess-record transactions on the row lock (findById forUpdate)', async () => {
    const inserted = await repo().insert(record());
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        current().db.transaction(async (uow) => {
          const before = await uow.integrations.findById(TENANT, inserted.id, { forUpdate: true });
          if (before === null) throw new Error('the registration vanished');
          const assessed = assessHealth(before.consecutiveFailures, {
            success: false,
            status: 'unhealthy',
            isTransient: true,
          });
          return uow.integrations.recordHealth(TENANT, inserted.id, {
            status: assessed.health,
            consecutiveFailures: assessed.consecutiveFailures,
            nextCheckAt: new Date().toISOString(),
            message: 'down',
            checkedAt: new Date().toISOString(),
            success: false,
          });
        }),
      ),
    );
    // Each read the streak the one before wrote: no increment was lost, one saw `unknown`.
    expect(results.filter((result) => result?.previousHealth === 'unknown')).toHaveLength(1);
    expect(
      results
        .map((result) => result?.integration.consecutiveFailures)
        .sort((a, b) => (a ?? 0) - (b ?? 0)),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('findById forUpdate reads as findById does, and answers null for what findById does', async () => {
    const inserted = await repo().insert(record());
    await expect(
      current().db.transaction((uow) =>
        uow.integrations.findById(TENANT, inserted.id, { forUpdate: true }),
      ),
    ).resolves.toEqual(inserted);
    await expect(
      repo().findById(OTHER_TENANT, inserted.id, { forUpdate: true }),
    ).resolves.toBeNull();
    await expect(repo().findById(TENANT, 'not-a-uuid', { forUpdate: true })).resolves.toBeNull();
  });

  it('pages through 1,000 registrations in byte order, each exactly once, with and without filters', async () => {
    const prefixes = [
      'alpha',
      'Alpha',
      'beta',
      'Äpfel',
      'zeta',
      '_under',
      '10',
      '9',
      'ärger',
      'Zulu',
    ];
    const drafts = shuffle(
      Array.from({ length: 1000 }, (_, i) =>
        record({
          name: `${prefixes[i % prefixes.length]}-${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}-${i}`,
          type: i % 3 === 0 ? 'registry' : 'scm',
          provider: i % 3 === 0 ? 'harbor' : 'gitlab',
          tags: i % 4 === 0 ? ['blue', `n${i}`] : ['green'],
          status: i % 5 === 0 ? 'active' : 'pending',
        }),
      ),
    );
    const inserted: Integration[] = [];
    const workers = target.kind === 'postgres' ? 4 : 1;
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < drafts.length) {
          const draft = drafts[next++] as NewIntegrationRecord;
          inserted.push(await repo().insert(draft));
        }
      }),
    );
    await repo().insert(record({ tenantId: OTHER_TENANT, name: 'alpha-other-tenant' }));
    const deleted = inserted.splice(0, 10);
    for (const gone of deleted) await repo().softDelete(TENANT, gone.id, 'bob');

    const all = await listAll({ tenantId: TENANT, limit: 37 });
    expect(all.map((item) => item.id)).toEqual(
      [...inserted].sort(byteOrder).map((item) => item.id),
    );
    expect(new Set(all.map((item) => item.id)).size).toBe(inserted.length);

    const blueRegistries = await listAll({
      tenantId: TENANT,
      type: 'registry',
      tag: 'blue',
      limit: 10,
    });
    const expected = inserted
      .filter((item) => item.type === 'registry' && item.tags.includes('blue'))
      .sort(byteOrder);
    expect(expected.length).toBeGreaterThan(50);
    expect(blueRegistries.map((item) => item.id)).toEqual(expected.map((item) => item.id));

    const activeGitlab = await listAll({
      tenantId: TENANT,
      provider: 'gitlab',
      status: 'active',
      limit: 25,
    });
    expect(activeGitlab.map((item) => item.id)).toEqual(
      inserted
        .filter((item) => item.provider === 'gitlab' && item.status === 'active')
        .sort(byteOrder)
        .map((item) => item.id),
    );

    // Case-insensitive for ASCII letters: "ALPHA" finds both "alpha-" and "Alpha-" names.
    const alphas = await listAll({ tenantId: TENANT, q: 'ALPHA', limit: 50 });
    expect(alphas.map((item) => item.id)).toEqual(
      inserted
        .filter((item) => item.name.toLowerCase().includes('alpha'))
        .sort(byteOrder)
        .map((item) => item.id),
    );
    const umlauts = await listAll({ tenantId: TENANT, q: 'Äpfel', limit: 50 });
    expect(umlauts).toHaveLength(inserted.filter((item) => item.name.startsWith('Äpfel')).length);

    const healthy = await repo().list({ tenantId: TENANT, health: 'healthy', limit: 5 });
    expect(healthy).toEqual({ items: [], next: null });
  });

  it('searches names for the text as given: LIKE wildcards and the escape character match only themselves', async () => {
    const names = ['fifty%off', '50_50', 'back\\slash', 'plain-500', 'ABC-def', 'abc_DEF'];
    for (const name of names) await repo().insert(record({ name }));
    const search = async (q: string) =>
      (await repo().list({ tenantId: TENANT, q, limit: 50 })).items.map((item) => item.name);
    await expect(search('%')).resolves.toEqual(['fifty%off']);
    await expect(search('_')).resolves.toEqual(['50_50', 'abc_DEF']);
    await expect(search('\\')).resolves.toEqual(['back\\slash']);
    await expect(search('0_5')).resolves.toEqual(['50_50']);
    await expect(search('y%o')).resolves.toEqual(['fifty%off']);
    await expect(search('c-D')).resolves.toEqual(['ABC-def']);
    await expect(search('C_d')).resolves.toEqual(['abc_DEF']);
    await expect(search('500')).resolves.toEqual(['plain-500']);
    await expect(search('x')).resolves.toEqual([]);
  });

  it('matches a tag within the tenant only, whatever characters tenant ids and tags hold', async () => {
    const mine = await repo().insert(record({ tenantId: 'a:1', name: 'mine', tags: ['b', 'x y'] }));
    await repo().insert(record({ tenantId: 'a', name: 'lookalike', tags: ['1:b'] }));
    await repo().insert(record({ tenantId: 'a:1:b', name: 'longer-tenant', tags: [] }));
    const tagged = async (tenantId: string, tag: string) =>
      (await repo().list({ tenantId, tag, limit: 10 })).items.map((item) => item.id);
    await expect(tagged('a:1', 'b')).resolves.toEqual([mine.id]);
    await expect(tagged('a:1', 'x y')).resolves.toEqual([mine.id]);
    await expect(tagged('a', 'b')).resolves.toEqual([]);
    await expect(tagged('a', '1:b')).resolves.toHaveLength(1);
    await expect(tagged('a:1:b', '')).resolves.toEqual([]);
    await expect(tagged('a:1', 'x')).resolves.toEqual([]);
  });

  describe('the tag listing through integration_tags', () => {
    const NAMES = ['alpha', 'Alpha', 'beta', 'Äpfel', '_under', '10', '9', 'zeta'];
    const TAGS = ['prod', 'team-a', 'Team-A', 'x y', ' pci '];
    const tagsArb = fc.subarray(TAGS);
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('insert' as const),
        other: fc.boolean(),
        name: fc.constantFrom(...NAMES),
        suffix: fc.nat(3),
        tags: tagsArb,
        registry: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('update' as const),
        pick: fc.nat(),
        name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
        tags: fc.option(tagsArb, { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('softDelete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('restore' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('recordHealth' as const), pick: fc.nat(), ok: fc.boolean() }),
    );

    /** integration_tags as the triggers must keep it: every live row's tags, nothing else. */
    async function expectTagsInSync(): Promise<void> {
      const query = (sql: string) => backendOf(current().db).dataSource.query(sql);
      const { integrations, integrationTags } = tableNames(current().schema);
      const kept = (await query(
        `SELECT "tenant_id", "tag", "name", "integration_id"::text AS "id" FROM ${integrationTags}
          ORDER BY 1, 2, 3, 4`,
      )) as unknown[];
      const live = (await query(
        `SELECT DISTINCT "tenant_id", u."tag", "name", "id"::text AS "id" FROM ${integrations},
          unnest("tags") AS u("tag") WHERE "deleted_at" IS NULL AND u."tag" IS NOT NULL ORDER BY 1, 2, 3, 4`,
      )) as unknown[];
      expect(kept).toEqual(live);
    }

    it('pages a tag exactly as the unfiltered listing filtered in memory, after any writes', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          run++;
          const mine = `run-${run}`;
          const theirs = `run-${run}-other`;
          const model = new Map<string, Integration>();
          const pickFrom = (pick: number): Integration | undefined =>
            [...model.values()][pick % Math.max(model.size, 1)];
          for (const step of ops) {
            try {
              if (step.kind === 'insert') {
                const inserted = await repo().insert(
                  record({
                    tenantId: step.other ? theirs : mine,
                    name: `${step.name}-${step.suffix}`,
                    tags: step.tags,
                    ...(step.registry ? { type: 'registry', provider: 'harbor' } : {}),
                  }),
                );
                model.set(inserted.id, inserted);
                continue;
              }
              const target = pickFrom(step.pick);
              if (target === undefined) continue;
              const deleted = (await repo().findById(target.tenantId, target.id)) === null;
              if (step.kind === 'update' && !deleted) {
                const patch = {
                  updatedBy: 'bob',
                  ...(step.name === undefined ? {} : { name: `${step.name}-0` }),
                  ...(step.tags === undefined ? {} : { tags: step.tags }),
                };
                model.set(target.id, await repo().update(target.tenantId, target.id, patch));
              } else if (step.kind === 'softDelete' && !deleted) {
                await repo().softDelete(target.tenantId, target.id, 'bob');
              } else if (step.kind === 'restore' && deleted) {
                // The repository never restores; the trigger must follow whatever writes the row.
                await backendOf(current().db).dataSource.query(
                  `UPDATE ${tableNames(current().schema).integrations} SET "deleted_at" = NULL
                    WHERE "id" = $1`,
                  [target.id],
                );
              } else if (step.kind === 'recordHealth' && !deleted) {
                const recorded = await repo().recordHealth(target.tenantId, target.id, {
                  status: step.ok ? 'healthy' : 'unhealthy',
                  consecutiveFailures: step.ok ? 0 : 1,
                  nextCheckAt: new Date().toISOString(),
                  message: 'checked',
                  checkedAt: new Date().toISOString(),
                  success: step.ok,
                  integrationStatus: step.ok ? 'active' : 'failed',
                });
                if (recorded !== null) model.set(target.id, recorded.integration);
              }
            } catch (error) {
              // Two live registrations of a tenant with one name: refused, nothing written.
              if (
                !(error instanceof ConflictError) &&
                !/uq_integrations_tenant_name/.test(String(error))
              ) {
                throw error;
              }
            }
            await expectTagsInSync();
          }
          const all = await listAll({ tenantId: mine, limit: 1000 });
          for (const tag of ['prod', 'team-a', 'Team-A', 'x y', 'pci', ' pci ', 'absent']) {
            const wanted = all.filter((item) => item.tags.includes(tag)).map((item) => item.id);
            const tagged = await listAll({ tenantId: mine, tag, limit: 2 });
            expect(tagged.map((item) => item.id)).toEqual(wanted);
            const registries = await listAll({ tenantId: mine, tag, type: 'registry', limit: 1 });
            expect(registries.map((item) => item.id)).toEqual(
              all
                .filter((item) => item.tags.includes(tag) && item.type === 'registry')
                .map((item) => item.id),
            );
            const searched = await listAll({ tenantId: mine, tag, q: 'A', limit: 3 });
            expect(searched.map((item) => item.id)).toEqual(
              all
                .filter((item) => item.tags.includes(tag) && item.name.toLowerCase().includes('a'))
                .map((item) => item.id),
            );
          }
          // The in-memory side of the comparison is itself right: live rows, in byte order.
          const live = await Promise.all(
            [...model.values()]
              .filter((item) => item.tenantId === mine)
              .map((item) => repo().findById(mine, item.id)),
          );
          expect(all.map((item) => item.id)).toEqual(
            live
              .filter((item): item is Integration => item !== null)
              .sort(byteOrder)
              .map((item) => item.id),
          );
        }),
        { numRuns: target.kind === 'postgres' ? 40 : 15 },
      );
    }, 240_000);

    it('keeps integration_tags through a bulk insert, a delete and a truncate', async () => {
      const query = (sql: string, parameters?: unknown[]) =>
        backendOf(current().db).dataSource.query(sql, parameters);
      const { integrations } = tableNames(current().schema);
      await query(
        `INSERT INTO ${integrations} ("tenant_id", "name", "type", "provider", "endpoint",
            "health_check_interval_seconds", "tags", "created_by", "updated_by")
          SELECT 'bulk', 'bulk-' || i, 'scm', 'gitlab', 'https://gitlab.invalid', 300,
            ARRAY['even-' || (i % 2 = 0)::text, 'all', 'all', NULL], 'seed', 'seed'
          FROM generate_series(1, 500) AS i`,
      );
      await expectTagsInSync();
      const evens = await listAll({ tenantId: 'bulk', tag: 'even-true', limit: 40 });
      expect(evens).toHaveLength(250);
      expect(evens.map((item) => item.name)).toEqual(
        Array.from({ length: 250 }, (_, i) => `bulk-${2 * (i + 1)}`).sort(),
      );
      await query(`DELETE FROM ${integrations} WHERE "name" LIKE 'bulk-1%'`);
      await expectTagsInSync();
      await query(`TRUNCATE ${integrations} CASCADE`);
      await expectTagsInSync();
      await expect(repo().list({ tenantId: 'bulk', tag: 'all', limit: 5 })).resolves.toEqual({
        items: [],
        next: null,
      });
    });
  });

  it('refuses a malformed cursor and a limit below one', async () => {
    await expect(
      repo().list({ tenantId: TENANT, limit: 10, after: { name: 'a', id: 'nope' } }),
    ).rejects.toBeInstanceOf(InputError);
    await expect(repo().list({ tenantId: TENANT, limit: 0 })).rejects.toBeInstanceOf(InputError);
  });

  it('encrypts the credential map at rest when given a key', async () => {
    const keyed = await target.create({ encryptionKey: Buffer.alloc(32, 7).toString('base64') });
    try {
      const inserted = await keyed.db.integrations.insert(record());
      expect(inserted.credentials).toEqual({ privateKey: 'authref://env/GITHUB_APP_KEY' });
      await expect(keyed.db.integrations.findById(TENANT, inserted.id)).resolves.toEqual(inserted);
      const updated = await keyed.db.integrations.update(TENANT, inserted.id, {
        credentials: { privateKey: 'authref://file/keys/github.pem' },
        updatedBy: 'bob',
      });
      expect(updated.credentials).toEqual({ privateKey: 'authref://file/keys/github.pem' });
      const [stored] = (await backendOf(keyed.db).dataSource.query(
        `SELECT "credentials" FROM "${keyed.schema ?? 'public'}"."integrations" WHERE "id" = $1`,
        [inserted.id],
      )) as { credentials: Record<string, unknown> }[];
      expect(stored?.credentials).toMatchObject({ $encrypted: 'aes-256-gcm/v1' });
      expect(JSON.stringify(stored)).not.toContain('authref://');
    } finally {
      await keyed.dispose();
    }
  });

  it('lists a row whose credentials cannot be decrypted, marked, and reads it again once re-registered', async () => {
    const keyed = await target.create({ encryptionKey: Buffer.alloc(32, 7).toString('base64') });
    try {
      const repository = keyed.db.integrations;
      const [first, rotated, tampered, last] = await Promise.all(
        ['a-first', 'b-rotated', 'c-tampered', 'd-last'].map((name) =>
          repository.insert(record({ name })),
        ),
      );
      const otherKey = CredentialsCodec.create(Buffer.alloc(32, 9).toString('base64'));
      const overwrite = (id: string, stored: unknown) =>
        backendOf(keyed.db).dataSource.query(
          `UPDATE "${keyed.schema ?? 'public'}"."integrations" SET "credentials" = $2::jsonb WHERE "id" = $1`,
          [id, JSON.stringify(stored)],
        );
      await overwrite(
        rotated!.id,
        otherKey.encode({ privateKey: 'authref://env/OTHER' }, TENANT, rotated!.id),
      );
      // Sealed for another row: the associated data does not match.
      const [sealedForFirst] = (await backendOf(keyed.db).dataSource.query(
        `SELECT "credentials" FROM "${keyed.schema ?? 'public'}"."integrations" WHERE "id" = $1`,
        [first!.id],
      )) as { credentials: unknown }[];
      await overwrite(tampered!.id, sealedForFirst?.credentials);

      const page = await repository.list({ tenantId: TENANT, limit: 10 });
      expect(page.items.map((item) => item.name)).toEqual([
        'a-first',
        'b-rotated',
        'c-tampered',
        'd-last',
      ]);
      const [a, b, c, d] = page.items;
      expect(a).toEqual(first);
      expect(d).toEqual(last);
      expect(a).not.toHaveProperty('credentialsUnreadable');
      expect(b).toMatchObject({
        credentials: {},
        credentialsUnreadable: expect.stringMatching(/another key/),
      });
      expect(c).toMatchObject({
        credentials: {},
        credentialsUnreadable: expect.stringMatching(/altered or belong to another row/),
      });
      await expect(repository.findById(TENANT, rotated!.id)).resolves.toEqual(b);

      const reRegistered = await repository.update(TENANT, rotated!.id, {
        credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
        updatedBy: 'bob',
      });
      expect(reRegistered.credentials).toEqual({ privateKey: 'authref://env/GITHUB_APP_KEY' });
      expect(reRegistered).not.toHaveProperty('credentialsUnreadable');
    } finally {
      await keyed.dispose();
    }
  });
  describe('secret settings', () => {
    const RING: KeyringOptions = {
      keys: [
        { id: 'A', key: randomBytes(32) },
        { id: 'B', key: randomBytes(32) },
      ],
      activeKeyId: 'B',
    };
    const SECRET = `whsec-${randomBytes(8).toString('hex')}`;
    const views: Database[] = [];

    afterEach(async () => {
      await Promise.all(views.splice(0).map((view) => view.close()));
    });

    /** The test's schema through a keyring of its own. */
    async function withKeyring(test: TestDatabase, keyring: KeyringOptions): Promise<Database> {
      const view = await Database.open({
        databaseUrl: test.url,
        schema: test.schema,
        poolSize: 2,
        keyring,
      });
      views.push(view);
      return view;
    }

    async function raw(
      test: TestDatabase,
      id: string,
    ): Promise<{ settings: Record<string, unknown>; secret_settings: string[]; text: string }> {
      const [row] = (await backendOf(test.db).dataSource.query(
        `SELECT "settings", "secret_settings", "settings"::text AS "text"
          FROM ${tableNames(test.schema).integrations} WHERE "id" = $1`,
        [id],
      )) as { settings: Record<string, unknown>; secret_settings: string[]; text: string }[];
      if (row === undefined) throw new Error(`no row ${id}`);
      return row;
    }

    async function overwriteSetting(test: TestDatabase, id: string, name: string, value: unknown) {
      await backendOf(test.db).dataSource.query(
        `UPDATE ${tableNames(test.schema).integrations}
          SET "settings" = jsonb_set("settings", ARRAY[$2::text], $3::jsonb) WHERE "id" = $1`,
        [id, name, JSON.stringify(value)],
      );
    }

    function secretRecord(name: string, webhookSecret = SECRET): NewIntegrationRecord {
      return record({
        name,
        settings: { project: 'web', webhookSecret },
        // A name the plugin marks secret that this registration does not set is not listed.
        secretSettings: ['webhookSecret', 'apiPassword'],
      });
    }

    it('seals them in place under the active key, opens them on read, and re-seals on update', async () => {
      const test = current();
      const ring = await withKeyring(test, RING);
      const inserted = await ring.integrations.insert(secretRecord('sealed'));
      expect(inserted).toMatchObject({
        settings: { project: 'web', webhookSecret: SECRET },
        secretSettings: ['webhookSecret'],
      });
      expect(inserted).not.toHaveProperty('settingsUnreadable');

      const stored = await raw(test, inserted.id);
      expect(stored.text).not.toContain(SECRET);
      expect(stored.settings).toEqual({
        project: 'web',
        webhookSecret: {
          $encrypted: 'aes-256-gcm/v1',
          kid: 'B',
          iv: expect.any(String),
          tag: expect.any(String),
          data: expect.any(String),
        },
      });
      expect(stored.secret_settings).toEqual(['webhookSecret']);
      await expect(ring.integrations.findById(TENANT, inserted.id)).resolves.toEqual(inserted);
      const page = await ring.integrations.list({ tenantId: TENANT, limit: 10 });
      expect(page.items).toEqual([inserted]);

      // A new value: sealed afresh; renaming leaves settings and their names alone.
      const replaced = await ring.integrations.update(TENANT, inserted.id, {
        settings: { project: 'api', webhookSecret: 'whsec-new' },
        secretSettings: ['webhookSecret'],
        updatedBy: 'bob',
      });
      expect(replaced.settings).toEqual({ project: 'api', webhookSecret: 'whsec-new' });
      const restored = await raw(test, inserted.id);
      expect(restored.text).not.toContain('whsec-new');
      expect(restored.settings['webhookSecret']).toMatchObject({ kid: 'B' });
      expect(restored.settings['webhookSecret']).not.toEqual(stored.settings['webhookSecret']);
      const renamed = await ring.integrations.update(TENANT, inserted.id, {
        name: 'renamed',
        updatedBy: 'bob',
      });
      expect(renamed).toMatchObject({
        settings: { project: 'api', webhookSecret: 'whsec-new' },
        secretSettings: ['webhookSecret'],
      });
      expect((await raw(test, inserted.id)).settings).toEqual(restored.settings);

      // Settings without it: nothing secret is left.
      const removed = await ring.integrations.update(TENANT, inserted.id, {
        settings: { project: 'api' },
        secretSettings: ['webhookSecret'],
        updatedBy: 'bob',
      });
      expect(removed).toMatchObject({ settings: { project: 'api' }, secretSettings: [] });
      expect((await raw(test, inserted.id)).secret_settings).toEqual([]);
    });

    it('reads an envelope copied from another row or field as unreadable for that row alone; the listing answers', async () => {
      const test = current();
      const ring = await withKeyring(test, RING);
      const [first, copied, crossed, last] = await Promise.all(
        ['a-first', 'b-copied', 'c-crossed', 'd-last'].map((name) =>
          ring.integrations.insert(secretRecord(name, `${SECRET}-${name}`)),
        ),
      );
      const firstEnvelope = (await raw(test, first!.id)).settings['webhookSecret'];
      await overwriteSetting(test, copied!.id, 'webhookSecret', firstEnvelope);
      // The row's own credentials envelope, in the setting's place: bound to another field.
      const [credentials] = (await backendOf(test.db).dataSource.query(
        `SELECT "credentials" FROM ${tableNames(test.schema).integrations} WHERE "id" = $1`,
        [crossed!.id],
      )) as { credentials: unknown }[];
      await overwriteSetting(test, crossed!.id, 'webhookSecret', credentials?.credentials);

      const page = await ring.integrations.list({ tenantId: TENANT, limit: 10 });
      expect(page.items.map((item) => item.name)).toEqual([
        'a-first',
        'b-copied',
        'c-crossed',
        'd-last',
      ]);
      const [a, b, c, d] = page.items;
      expect(a).toEqual(first);
      expect(d).toEqual(last);
      for (const [item, id] of [
        [b, copied!.id],
        [c, crossed!.id],
      ] as const) {
        expect(item).toMatchObject({
          settings: { project: 'web' },
          secretSettings: ['webhookSecret'],
          credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
          settingsUnreadable: `the sealed value "settings.webhookSecret" of integration ${id} failed authentication under key B: it was altered or belongs to another row or field`,
        });
        expect(item?.settings).not.toHaveProperty('webhookSecret');
        expect(item).not.toHaveProperty('credentialsUnreadable');
      }
      // Nothing sealed reaches the read model: an envelope that does not open is left out.
      expect(JSON.stringify(page.items)).not.toContain('$encrypted');
      await expect(ring.integrations.findById(TENANT, copied!.id)).resolves.toEqual(b);

      // Under a ring without the key: named, and the listing still answers.
      const onlyA = await withKeyring(test, { keys: [RING.keys[0]!] });
      const underA = await onlyA.integrations.findById(TENANT, first!.id);
      expect(underA?.settingsUnreadable).toMatch(
        /^the sealed value "settings.webhookSecret" of integration .* was encrypted with another key \("B"\), which is not in the keyring \(A\): add that key$/,
      );

      // Sent again, it is sealed for its own row and reads back.
      const repaired = await ring.integrations.update(TENANT, copied!.id, {
        settings: { project: 'web', webhookSecret: 'whsec-repaired' },
        secretSettings: ['webhookSecret'],
        updatedBy: 'bob',
      });
      expect(repaired.settings).toEqual({ project: 'web', webhookSecret: 'whsec-repaired' });
      expect(repaired).not.toHaveProperty('settingsUnreadable');
    });

    it('stores them as they are without a key, still named secret, and a ring reads them so', async () => {
      const test = current();
      const inserted = await test.db.integrations.insert(secretRecord('plain'));
      expect(inserted).toMatchObject({
        settings: { project: 'web', webhookSecret: SECRET },
        secretSettings: ['webhookSecret'],
      });
      const stored = await raw(test, inserted.id);
      expect(stored.settings).toEqual({ project: 'web', webhookSecret: SECRET });
      expect(stored.secret_settings).toEqual(['webhookSecret']);
      const ring = await withKeyring(test, RING);
      await expect(ring.integrations.findById(TENANT, inserted.id)).resolves.toEqual(inserted);
    });

    it('refuses a secret value shaped like a sealed one, with and without a key', async () => {
      const test = current();
      const ring = await withKeyring(test, RING);
      for (const repository of [test.db.integrations, ring.integrations]) {
        const refused = repository.insert(
          record({
            settings: { webhookSecret: { $encrypted: 'x' } },
            secretSettings: ['webhookSecret'],
          }),
        );
        await expect(refused).rejects.toBeInstanceOf(InputError);
        await expect(refused).rejects.toMatchObject({
          errors: [{ path: '/settings/webhookSecret', message: expect.stringMatching(/reserved/) }],
        });
      }
      const inserted = await ring.integrations.insert(record({ name: 'ok' }));
      await expect(
        ring.integrations.update(TENANT, inserted.id, {
          settings: { webhookSecret: { $encrypted: 'x' } },
          secretSettings: ['webhookSecret'],
          updatedBy: 'bob',
        }),
      ).rejects.toBeInstanceOf(InputError);
      // Not a secret setting: data like any other.
      await expect(
        ring.integrations.update(TENANT, inserted.id, {
          settings: { other: { $encrypted: 'x' } },
          updatedBy: 'bob',
        }),
      ).resolves.toMatchObject({ settings: { other: { $encrypted: 'x' } }, secretSettings: [] });
      await expect(test.db.integrations.count(TENANT)).resolves.toBe(1);
    });
  });
});
