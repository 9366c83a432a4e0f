import { randomUUID } from 'node:crypto';
import type { HealthStatus, Integration } from '@stellaops/integrations-core';
import { InputError } from '@stellaops/integrations-core';
import { CredentialsCodec } from '../credentials-codec';
import { backendOf } from '../database';
import type { SqlExecutor } from '../sql/sql-executor';
import { PooledSqlExecutor } from '../sql/sql-executor';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';
import type { ClaimDueRequest, ClaimedCheck, PolledResult } from './health-poll-repository';
import type { NewIntegrationRecord } from './integration-repository';
import { SqlHealthPollRepository } from './sql-health-poll-repository';

const TENANT = 'tenant-a';
const HISTORY_LIMIT = 3;
const DIGITS = /^[1-9]\d*$/;

const IN_MEMORY = { type: 'registry', provider: 'in-memory' } as const;

function record(name: string, overrides: Partial<NewIntegrationRecord> = {}): NewIntegrationRecord {
  return {
    tenantId: TENANT,
    name,
    ...IN_MEMORY,
    endpoint: 'https://registry.example.com',
    settings: {},
    credentials: { token: 'authref://env/REGISTRY_TOKEN' },
    healthCheckIntervalSeconds: 60,
    tags: [],
    createdBy: 'alice',
    ...overrides,
  };
}

function claimRequest(overrides: Partial<ClaimDueRequest> = {}): ClaimDueRequest {
  return {
    owner: 'replica-a',
    leaseMs: 60_000,
    limit: 100,
    plugins: [{ ...IN_MEMORY, limit: 100 }],
    ...overrides,
  };
}

function result(
  claim: Pick<ClaimedCheck, 'integration' | 'leaseToken'>,
  overrides: { health?: HealthStatus; consecutiveFailures?: number; nextCheckAt?: string } = {},
): PolledResult {
  const health = overrides.health ?? 'healthy';
  return {
    tenantId: claim.integration.tenantId,
    integrationId: claim.integration.id,
    leaseToken: claim.leaseToken,
    health,
    consecutiveFailures: overrides.consecutiveFailures ?? 0,
    nextCheckAt: overrides.nextCheckAt ?? '2099-01-01T00:00:00.000Z',
    result: {
      status: health,
      success: health === 'healthy',
      phase: health === 'healthy' ? null : 'connect',
      isTransient: health !== 'healthy',
      message: `${health} ${claim.integration.name}`,
      durationMs: 12.4,
      checkedAt: '2026-11-23T12:00:00.000Z',
      details: { probe: claim.integration.name },
    },
  };
}

/** Counts the statements a repository sends. */
class CountingExecutor implements SqlExecutor {
  statements = 0;

  constructor(private readonly inner: SqlExecutor) {}

  rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    this.statements += 1;
    return this.inner.rows<T>(sql, params);
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);

describeOnDatabases('SqlHealthPollRepository', (target) => {
  const current = useTestDatabase(target, { healthHistoryLimit: HISTORY_LIMIT });
  const db = () => current().db;
  const polls = () => db().polls;
  const tables = () => tableNames(current().schema);
  const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> =>
    backendOf(db()).dataSource.query(sql, parameters) as Promise<T[]>;

  /** Moves a row's due time to `seconds` from the database's now (negative: overdue). */
  async function dueIn(id: string, seconds: number): Promise<void> {
    await query(
      `UPDATE ${tables().integrations} SET "next_check_at" = now() + make_interval(secs => $2)
        WHERE "id" = $1`,
      [id, seconds],
    );
  }

  async function expireLease(id: string): Promise<void> {
    await query(
      `UPDATE ${tables().integrations} SET "lease_until" = now() - interval '1 second' WHERE "id" = $1`,
      [id],
    );
  }

  async function leaseOf(id: string): Promise<{
    lease_owner: string | null;
    lease_until: string | null;
    lease_token: string | null;
  }> {
    const [row] = await query<{
      lease_owner: string | null;
      lease_until: string | null;
      lease_token: string | null;
    }>(
      `SELECT "lease_owner", "lease_until", "lease_token"::text AS "lease_token"
        FROM ${tables().integrations} WHERE "id" = $1`,
      [id],
    );
    if (row === undefined) throw new Error(`no row ${id}`);
    return row;
  }

  async function nextCheckAtOf(id: string): Promise<string> {
    const [row] = await query<{ next_check_at: string }>(
      `SELECT "next_check_at" FROM ${tables().integrations} WHERE "id" = $1`,
      [id],
    );
    if (row === undefined) throw new Error(`no row ${id}`);
    return row.next_check_at;
  }

  /** `count` due registrations of `provider`, the first the most overdue. */
  async function seed(count: number, provider: string = IN_MEMORY.provider): Promise<string[]> {
    const rows = await query<{ id: string }>(
      `INSERT INTO ${tables().integrations} ("tenant_id", "name", "type", "provider", "endpoint",
          "health_check_interval_seconds", "created_by", "updated_by", "next_check_at")
        SELECT $1, $2 || '-' || lpad(g::text, 5, '0'), 'registry', $2, 'https://r.example.com',
          60, 'seed', 'seed', now() - make_interval(secs => 10000 - g)
        FROM generate_series(1, $3::integer) AS g
        RETURNING "id"`,
      [TENANT, provider, count],
    );
    return rows.map((row) => row.id);
  }

  it('claims due registrations under a lease with a fresh token, as the core model', async () => {
    const a = await db().integrations.insert(record('a'));
    const b = await db().integrations.insert(record('b'));
    await dueIn(a.id, -30);
    await dueIn(b.id, -60);
    const claims = await polls().claimDue(claimRequest({ leaseMs: 45_000 }));
    // Oldest due first.
    expect(claims.map((claim) => claim.integration)).toEqual([b, a]);
    for (const claim of claims) {
      expect(claim.leaseToken).toMatch(DIGITS);
      expect(claim.dueAt).toBe(await nextCheckAtOf(claim.integration.id));
      const lease = await leaseOf(claim.integration.id);
      expect(lease).toEqual({
        lease_owner: 'replica-a',
        lease_until: claim.leaseUntil,
        lease_token: claim.leaseToken,
      });
    }
    const [untilB, untilA] = claims.map((claim) => Date.parse(claim.leaseUntil));
    expect(untilA).toBe(untilB);
    const [{ now } = { now: '' }] = await query<{ now: string }>('SELECT now() AS "now"');
    const remaining = (untilA ?? 0) - Date.parse(now);
    expect(remaining).toBeGreaterThan(30_000);
    expect(remaining).toBeLessThanOrEqual(45_000);
    expect(new Set(claims.map((claim) => claim.leaseToken)).size).toBe(2);
  });

  it('gives two concurrent claimers disjoint rows: each of 500 due rows is claimed exactly once', async () => {
    const seeded = await seed(500);
    const claimer = async (owner: string): Promise<ClaimedCheck[]> => {
      const mine: ClaimedCheck[] = [];
      for (;;) {
        const batch = await polls().claimDue(claimRequest({ owner, limit: 25 }));
        if (batch.length === 0) return mine;
        mine.push(...batch);
      }
    };
    const [first, second] = await Promise.all([claimer('replica-a'), claimer('replica-b')]);
    const all = [...(first ?? []), ...(second ?? [])];
    const ids = all.map((claim) => claim.integration.id);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect([...ids].sort()).toEqual([...seeded].sort());
    // Both took part, and every claim has a token of its own.
    expect(first?.length).toBeGreaterThan(0);
    expect(second?.length).toBeGreaterThan(0);
    expect(new Set(all.map((claim) => claim.leaseToken)).size).toBe(500);
    const owners = await query<{ lease_owner: string; count: number }>(
      `SELECT "lease_owner", count(*)::integer AS "count" FROM ${tables().integrations}
        GROUP BY "lease_owner" ORDER BY "lease_owner"`,
    );
    expect(owners).toEqual([
      { lease_owner: 'replica-a', count: first?.length },
      { lease_owner: 'replica-b', count: second?.length },
    ]);
  });

  it('takes at most each plugin’s limit and the overall limit, oldest due first, and leaves unlisted providers alone', async () => {
    const harbor = await seed(5, 'harbor');
    const oci = await seed(5, 'oci');
    const gitlab = await seed(5, 'gitlab');
    // harbor due at -100, -90, ...; oci at -95, -85, ...
    for (const [n, id] of harbor.entries()) await dueIn(id, -100 + n * 10);
    for (const [n, id] of oci.entries()) await dueIn(id, -95 + n * 10);
    for (const [n, id] of gitlab.entries()) await dueIn(id, -200 + n * 10);
    const claims = await polls().claimDue(
      claimRequest({
        limit: 6,
        plugins: [
          { type: 'registry', provider: 'harbor', limit: 2 },
          { type: 'registry', provider: 'oci', limit: 10 },
          // Listed under another type: no registry row matches it.
          { type: 'scm', provider: 'gitlab', limit: 10 },
        ],
      }),
    );
    const expected = [harbor[0], oci[0], harbor[1], oci[1], oci[2], oci[3]];
    expect(claims.map((claim) => claim.integration.id)).toEqual(expected);
    for (const id of gitlab) expect((await leaseOf(id)).lease_owner).toBeNull();
    for (const id of [...harbor.slice(2), oci[4] as string]) {
      expect((await leaseOf(id)).lease_owner).toBeNull();
    }
  });

  it('claims nothing for no plugins, a zero limit or zero per-plugin limits', async () => {
    await seed(3);
    await expect(polls().claimDue(claimRequest({ plugins: [] }))).resolves.toEqual([]);
    await expect(polls().claimDue(claimRequest({ limit: 0 }))).resolves.toEqual([]);
    await expect(
      polls().claimDue(claimRequest({ plugins: [{ ...IN_MEMORY, limit: 0 }] })),
    ).resolves.toEqual([]);
    await expect(polls().lag()).resolves.toMatchObject({ overdue: 3 });
  });

  it('refuses a malformed claim', async () => {
    for (const request of [
      claimRequest({ owner: ' ' }),
      claimRequest({ leaseMs: 0 }),
      claimRequest({ leaseMs: 1.5 }),
      claimRequest({ limit: 1001 }),
      claimRequest({ limit: -1 }),
      claimRequest({ plugins: [{ ...IN_MEMORY, limit: -1 }] }),
      claimRequest({
        plugins: [
          { ...IN_MEMORY, limit: 1 },
          { ...IN_MEMORY, limit: 2 },
        ],
      }),
    ]) {
      await expect(polls().claimDue(request)).rejects.toBeInstanceOf(InputError);
    }
  });

  it('never claims a disabled, deleted or not yet due registration', async () => {
    const live = await db().integrations.insert(record('live'));
    const failed = await db().integrations.insert(record('failed', { status: 'failed' }));
    const disabled = await db().integrations.insert(record('disabled', { status: 'disabled' }));
    const deleted = await db().integrations.insert(record('deleted'));
    await db().integrations.softDelete(TENANT, deleted.id, 'alice');
    const later = await db().integrations.insert(record('later'));
    await dueIn(later.id, 60);
    const claims = await polls().claimDue(claimRequest());
    expect(claims.map((claim) => claim.integration.id).sort()).toEqual([live.id, failed.id].sort());
    // Deleting cleared its due time; re-dating it (and the disabled one) does not make it
    // claimable.
    await dueIn(deleted.id, -60);
    await dueIn(disabled.id, -60);
    await expect(polls().claimDue(claimRequest())).resolves.toEqual([]);
    await expect(polls().lag()).resolves.toEqual({ overdue: 0, oldestOverdueSeconds: 0 });
  });

  it('leaves a row under an unexpired lease alone and claims it again once the lease expired, with a larger token', async () => {
    const [id = ''] = await seed(1);
    const [first] = await polls().claimDue(claimRequest({ owner: 'replica-a' }));
    await expect(polls().claimDue(claimRequest({ owner: 'replica-b' }))).resolves.toEqual([]);
    await expireLease(id);
    const [second] = await polls().claimDue(claimRequest({ owner: 'replica-b' }));
    expect(second?.integration.id).toBe(id);
    expect(BigInt(second?.leaseToken ?? '0')).toBeGreaterThan(BigInt(first?.leaseToken ?? '0'));
    expect(second?.dueAt).toBe(first?.dueAt);
    expect((await leaseOf(id)).lease_owner).toBe('replica-b');
  });

  it('lets a short lease run out by the database’s clock', async () => {
    await seed(1);
    const [first] = await polls().claimDue(claimRequest({ leaseMs: 200 }));
    await expect(polls().claimDue(claimRequest({ owner: 'replica-b' }))).resolves.toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [second] = await polls().claimDue(claimRequest({ owner: 'replica-b' }));
    expect(second?.integration.id).toBe(first?.integration.id);
  });

  it('reads a claimed row whose credentials cannot be decrypted, marked, instead of failing the claim', async () => {
    const keyed = await target.create({ encryptionKey: Buffer.alloc(32, 7).toString('base64') });
    try {
      const good = await keyed.db.integrations.insert(record('good'));
      const bad = await keyed.db.integrations.insert(record('bad'));
      const otherKey = CredentialsCodec.create(Buffer.alloc(32, 9).toString('base64'));
      await backendOf(keyed.db).dataSource.query(
        `UPDATE ${tableNames(keyed.schema).integrations} SET "credentials" = $2::jsonb WHERE "id" = $1`,
        [bad.id, JSON.stringify(otherKey.encode({ token: 'authref://env/X' }, TENANT, bad.id))],
      );
      const claims = await keyed.db.polls.claimDue(claimRequest());
      const [claimedBad, claimedGood] = [...claims]
        .map((claim) => claim.integration)
        .sort((x, y) => (x.name < y.name ? -1 : 1));
      expect(claimedGood).toEqual(good);
      expect(claimedBad).toMatchObject({
        id: bad.id,
        credentials: {},
        credentialsUnreadable: expect.stringMatching(/another key/),
      });
    } finally {
      await keyed.dispose();
    }
  });

  it('records results under their tokens: row, streak, next check and history, in input order, with the previous health', async () => {
    const a = await db().integrations.insert(record('a'));
    const b = await db().integrations.insert(record('b'));
    const claims = await polls().claimDue(claimRequest());
    const claimOf = (integration: Integration) => {
      const claim = claims.find((c) => c.integration.id === integration.id);
      if (claim === undefined) throw new Error(`${integration.name} was not claimed`);
      return claim;
    };
    const forB = result(claimOf(b), {
      health: 'degraded',
      consecutiveFailures: 1,
      nextCheckAt: '2099-01-01T00:01:00.000Z',
    });
    const forA = result(claimOf(a));
    const outcome = await polls().recordPolled([forB, forA]);
    expect(outcome.discarded).toEqual([]);
    expect(outcome.accepted.map((poll) => poll.input)).toEqual([forB, forA]);
    expect(outcome.accepted.map((poll) => poll.previousHealth)).toEqual(['unknown', 'unknown']);
    const [storedB, storedA] = outcome.accepted.map((poll) => poll.integration);
    expect(storedB).toEqual({
      ...b,
      health: 'degraded',
      consecutiveFailures: 1,
      lastCheckedAt: '2026-11-23T12:00:00.000Z',
      lastHealthMessage: 'degraded b',
    });
    expect(storedA).toMatchObject({ health: 'healthy', consecutiveFailures: 0, version: 1 });
    await expect(db().integrations.findById(TENANT, b.id)).resolves.toEqual(storedB);
    expect(await nextCheckAtOf(b.id)).toBe('2099-01-01T00:01:00.000Z');
    expect(await leaseOf(b.id)).toMatchObject({ lease_owner: null, lease_until: null });
    const [entry] = await db().healthHistory.list(TENANT, b.id, 10);
    expect(entry).toEqual({
      id: expect.stringMatching(DIGITS),
      tenantId: TENANT,
      integrationId: b.id,
      status: 'degraded',
      success: false,
      phase: 'connect',
      isTransient: true,
      message: 'degraded b',
      durationMs: 12,
      checkedAt: '2026-11-23T12:00:00.000Z',
      details: { probe: 'b' },
    });
    // The token was used: the same result again is discarded and writes nothing.
    await expect(polls().recordPolled([forA])).resolves.toEqual({
      accepted: [],
      discarded: [a.id],
    });
    await expect(db().healthHistory.list(TENANT, a.id, 10)).resolves.toHaveLength(1);
  });

  it('records inside a transaction with the events of the accepted results, all or nothing', async () => {
    const [id = ''] = await seed(1);
    const [claim] = await polls().claimDue(claimRequest());
    if (claim === undefined) throw new Error('nothing claimed');
    const healthChanged = (poll: { integration: Integration }) => ({
      id: randomUUID(),
      type: 'integration.health-changed' as const,
      tenantId: poll.integration.tenantId,
      integrationId: poll.integration.id,
      occurredAt: new Date().toISOString(),
      payload: {
        integration: {
          id: poll.integration.id,
          name: poll.integration.name,
          type: poll.integration.type,
          provider: poll.integration.provider,
          version: poll.integration.version,
        },
      },
    });
    await expect(
      db().transaction(async (uow) => {
        const outcome = await uow.polls.recordPolled([result(claim)]);
        await uow.events.appendMany(outcome.accepted.map(healthChanged));
        throw new Error('the relay config is broken');
      }),
    ).rejects.toThrow('the relay config is broken');
    // Nothing of it stayed: still leased under the same token, no history, no event.
    expect(await leaseOf(id)).toMatchObject({
      lease_owner: 'replica-a',
      lease_token: claim.leaseToken,
    });
    await expect(db().healthHistory.list(TENANT, id, 10)).resolves.toEqual([]);
    await expect(db().events.listUnpublished(10)).resolves.toEqual([]);
    const committed = await db().transaction(async (uow) => {
      const outcome = await uow.polls.recordPolled([result(claim)]);
      return uow.events.appendMany(outcome.accepted.map(healthChanged));
    });
    expect(committed.map((event) => event.integrationId)).toEqual([id]);
    await expect(db().healthHistory.list(TENANT, id, 10)).resolves.toHaveLength(1);
  });

  it('reports the previous health of each accepted row and keeps the history to the limit', async () => {
    const [id = ''] = await seed(1);
    const healths: HealthStatus[] = ['healthy', 'degraded', 'unhealthy', 'unhealthy', 'healthy'];
    const previous: HealthStatus[] = [];
    for (const [n, health] of healths.entries()) {
      await dueIn(id, -1);
      const [claim] = await polls().claimDue(claimRequest());
      if (claim === undefined) throw new Error('nothing claimed');
      const polled = result(claim, { health });
      const outcome = await polls().recordPolled([
        { ...polled, result: { ...polled.result, message: `check ${n}` } },
      ]);
      previous.push(...outcome.accepted.map((poll) => poll.previousHealth));
    }
    expect(previous).toEqual(['unknown', 'healthy', 'degraded', 'unhealthy', 'unhealthy']);
    const history = await db().healthHistory.list(TENANT, id, 10);
    // Same checkedAt for all: the newest arrivals are kept.
    expect(history.map((entry) => entry.message)).toEqual(['check 4', 'check 3', 'check 2']);
  });

  it('discards a late result under an old token after another replica re-claimed the row', async () => {
    const [id = ''] = await seed(1);
    const [stale] = await polls().claimDue(claimRequest({ owner: 'replica-a' }));
    await expireLease(id);
    const [fresh] = await polls().claimDue(claimRequest({ owner: 'replica-b' }));
    if (stale === undefined || fresh === undefined) throw new Error('nothing claimed');
    const late = await polls().recordPolled([result(stale, { health: 'unhealthy' })]);
    expect(late).toEqual({ accepted: [], discarded: [id] });
    expect((await db().integrations.findById(TENANT, id))?.health).toBe('unknown');
    expect(await leaseOf(id)).toMatchObject({
      lease_owner: 'replica-b',
      lease_token: fresh.leaseToken,
    });
    await expect(db().healthHistory.list(TENANT, id, 10)).resolves.toEqual([]);
    const current = await polls().recordPolled([result(fresh, { health: 'healthy' })]);
    expect(current.accepted.map((poll) => poll.integration.health)).toEqual(['healthy']);
  });

  it('waits for a write in progress on a row it would accept, then re-checks the token on the new version', async () => {
    const [id = ''] = await seed(1);
    const [claim] = await polls().claimDue(claimRequest());
    if (claim === undefined) throw new Error('nothing claimed');
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let written = false;
    // A check run by hand, not yet committed: the poll's token still matches in any snapshot
    // taken meanwhile.
    const byHand = db().transaction(async (uow) => {
      await uow.integrations.recordHealth(TENANT, id, {
        status: 'unhealthy',
        consecutiveFailures: 1,
        nextCheckAt: '2099-01-01T00:00:00.000Z',
        message: 'checked by hand',
        checkedAt: new Date().toISOString(),
        success: false,
      });
      written = true;
      await gate;
    });
    while (!written) await delay(10);
    let settled = false;
    const late = polls()
      .recordPolled([result(claim)])
      .finally(() => (settled = true));
    await delay(200);
    // Blocked on the row lock, not answered from its snapshot.
    expect(settled).toBe(false);
    open();
    await byHand;
    await expect(late).resolves.toEqual({ accepted: [], discarded: [id] });
    expect((await db().integrations.findById(TENANT, id))?.lastHealthMessage).toBe(
      'checked by hand',
    );
    await expect(db().healthHistory.list(TENANT, id, 10)).resolves.toEqual([]);
  });

  it('discards a result whose lease expired, even when nobody re-claimed the row', async () => {
    const [id = ''] = await seed(1);
    const [claim] = await polls().claimDue(claimRequest());
    if (claim === undefined) throw new Error('nothing claimed');
    await expireLease(id);
    await expect(polls().recordPolled([result(claim)])).resolves.toEqual({
      accepted: [],
      discarded: [id],
    });
    await expect(db().healthHistory.list(TENANT, id, 10)).resolves.toEqual([]);
  });

  it('discards results for rows disabled, re-configured or deleted meanwhile; other edits keep the claim', async () => {
    const [disabled, moved, deleted, retagged] = await Promise.all(
      ['disabled', 'moved', 'deleted', 'retagged'].map((name) =>
        db().integrations.insert(record(name)),
      ),
    );
    if (!disabled || !moved || !deleted || !retagged) throw new Error('not inserted');
    const claims = await polls().claimDue(claimRequest());
    expect(claims).toHaveLength(4);
    await db().integrations.update(TENANT, disabled.id, { status: 'disabled', updatedBy: 'op' });
    await db().integrations.update(TENANT, moved.id, {
      endpoint: 'https://elsewhere.example.com',
      updatedBy: 'op',
    });
    await db().integrations.softDelete(TENANT, deleted.id, 'op');
    await db().integrations.update(TENANT, retagged.id, { tags: ['prod'], updatedBy: 'op' });
    // Enabled again before the result arrives: the disable's fence still holds.
    await db().integrations.update(TENANT, disabled.id, { status: 'active', updatedBy: 'op' });
    const outcome = await polls().recordPolled(claims.map((claim) => result(claim)));
    expect(outcome.accepted.map((poll) => poll.integration.id)).toEqual([retagged.id]);
    expect([...outcome.discarded].sort()).toEqual([disabled.id, moved.id, deleted.id].sort());
    // The re-configured row is claimable at once, to be checked as it is now.
    const again = await polls().claimDue(claimRequest());
    expect(again.map((claim) => claim.integration.id).sort()).toEqual(
      [disabled.id, moved.id].sort(),
    );
  });

  it('fences a claim in flight when recordHealth writes a newer result', async () => {
    const [id = ''] = await seed(1);
    const [claim] = await polls().claimDue(claimRequest());
    if (claim === undefined) throw new Error('nothing claimed');
    const recorded = await db().integrations.recordHealth(TENANT, id, {
      status: 'unhealthy',
      consecutiveFailures: 1,
      nextCheckAt: new Date(Date.now() - 60_000).toISOString(),
      message: 'checked by hand',
      checkedAt: new Date().toISOString(),
      success: false,
    });
    expect(recorded?.integration.health).toBe('unhealthy');
    await expect(polls().recordPolled([result(claim)])).resolves.toEqual({
      accepted: [],
      discarded: [id],
    });
    expect((await db().integrations.findById(TENANT, id))?.lastHealthMessage).toBe(
      'checked by hand',
    );
    // Lease cleared and due again: claimable at once, under a larger token.
    const [next] = await polls().claimDue(claimRequest());
    expect(BigInt(next?.leaseToken ?? '0')).toBeGreaterThan(BigInt(claim.leaseToken));
  });

  it('discards unsendable results without a query: other tenant, unknown or malformed id, bad token, a second result for one row', async () => {
    const [id = ''] = await seed(1);
    const [claim] = await polls().claimDue(claimRequest());
    if (claim === undefined) throw new Error('nothing claimed');
    const good = result(claim);
    const batch: PolledResult[] = [
      { ...good, tenantId: 'tenant-b' },
      { ...good, integrationId: randomUUID() },
      { ...good, integrationId: 'not-a-uuid' },
      { ...good, leaseToken: 'abc' },
      { ...good, leaseToken: '99999999999999999999' },
      good,
      { ...good, health: 'unhealthy' },
    ];
    const outcome = await polls().recordPolled(batch);
    expect(outcome.accepted.map((poll) => poll.input)).toEqual([good]);
    expect(outcome.discarded).toEqual([id, batch[1]?.integrationId, 'not-a-uuid', id, id, id]);
    await expect(polls().recordPolled([])).resolves.toEqual({ accepted: [], discarded: [] });
    await expect(
      polls().recordPolled([{ ...good, consecutiveFailures: 0.5 }]),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('sends the same number of statements for a batch of 1 and of 200', async () => {
    await seed(201);
    const counting = new CountingExecutor(
      new PooledSqlExecutor(backendOf(db()).dataSource, () => undefined),
    );
    const repository = new SqlHealthPollRepository(
      counting,
      tables(),
      CredentialsCodec.create(undefined),
      HISTORY_LIMIT,
    );
    const statementsFor = async (size: number): Promise<number> => {
      const claims = await repository.claimDue(
        claimRequest({ limit: size, plugins: [{ ...IN_MEMORY, limit: size }] }),
      );
      expect(claims).toHaveLength(size);
      counting.statements = 0;
      const outcome = await repository.recordPolled(claims.map((claim) => result(claim)));
      expect(outcome.accepted).toHaveLength(size);
      return counting.statements;
    };
    const one = await statementsFor(1);
    const many = await statementsFor(200);
    expect(many).toBe(one);
    expect(one).toBeLessThanOrEqual(2);
    const written = await query<{ count: number }>(
      `SELECT count(*)::integer AS "count" FROM ${tables().healthHistory}`,
    );
    expect(written).toEqual([{ count: 201 }]);
  });

  it('releases claims still held under their tokens: claimable at once, due time kept', async () => {
    const [a = '', b = ''] = await seed(2);
    const claims = await polls().claimDue(claimRequest());
    const [claimA, claimB] = [...claims].sort((x, y) => byId(x.integration, y.integration));
    const sorted = [a, b].sort();
    expect([claimA?.integration.id, claimB?.integration.id]).toEqual(sorted);
    if (claimA === undefined || claimB === undefined) throw new Error('nothing claimed');
    await polls().release([
      { integrationId: claimA.integration.id, leaseToken: claimA.leaseToken },
      // Not its token: left as it is.
      { integrationId: claimB.integration.id, leaseToken: claimA.leaseToken },
      { integrationId: 'not-a-uuid', leaseToken: 'x' },
    ]);
    expect((await leaseOf(claimA.integration.id)).lease_owner).toBeNull();
    expect((await leaseOf(claimB.integration.id)).lease_owner).toBe('replica-a');
    const again = await polls().claimDue(claimRequest({ owner: 'replica-b' }));
    expect(again.map((claim) => [claim.integration.id, claim.dueAt])).toEqual([
      [claimA.integration.id, claimA.dueAt],
    ]);
    // A released claim's result is refused: the lease is gone.
    await expect(polls().recordPolled([result(claimA)])).resolves.toMatchObject({
      accepted: [],
    });
    await expect(polls().release([])).resolves.toBeUndefined();
  });

  it('measures the lag: due, unclaimed, live, enabled rows, and the oldest one’s age', async () => {
    await expect(polls().lag()).resolves.toEqual({ overdue: 0, oldestOverdueSeconds: 0 });
    const [oldest = '', middle = '', newest = '', leased = '', expired = ''] = await seed(5);
    await dueIn(oldest, -100);
    await dueIn(middle, -50);
    await dueIn(newest, -10);
    await dueIn(leased, -500);
    await dueIn(expired, -20);
    await query(
      `UPDATE ${tables().integrations} SET "lease_owner" = 'x', "lease_until" = now() + interval '1 minute'
        WHERE "id" = $1`,
      [leased],
    );
    await query(
      `UPDATE ${tables().integrations} SET "lease_owner" = 'x', "lease_until" = now() - interval '1 minute'
        WHERE "id" = $1`,
      [expired],
    );
    await db().integrations.insert(record('disabled', { status: 'disabled' }));
    const future = await db().integrations.insert(record('future'));
    await dueIn(future.id, 3600);
    const lag = await polls().lag();
    expect(lag.overdue).toBe(4);
    expect(lag.oldestOverdueSeconds).toBeGreaterThanOrEqual(100);
    expect(lag.oldestOverdueSeconds).toBeLessThan(160);
  });
});
