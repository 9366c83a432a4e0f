import { InputError } from '@stellaops/integrations-core';
import { backendOf } from '../database';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases, useTestDatabase } from '../testing/describe-on-databases';

const NAME = 'outbox-relay';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describeOnDatabases('SqlLeaseRepository', (target) => {
  const current = useTestDatabase(target);
  const leases = () => current().db.leases;
  const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> =>
    backendOf(current().db).dataSource.query(sql, parameters) as Promise<T[]>;

  /** Ages the lease past its expiry by the database's clock, as a stalled holder's would. */
  async function expire(name: string): Promise<void> {
    await query(
      `UPDATE ${tableNames(current().schema).leases}
        SET "expires_at" = now() - interval '1 second' WHERE "name" = $1`,
      [name],
    );
  }

  async function databaseNow(): Promise<number> {
    const [row] = await query<{ now: string }>('SELECT now() AS "now"');
    return Date.parse(row?.now ?? '');
  }

  it('hands a free lease to the first owner, with a token and an expiry from the database’s clock', async () => {
    const held = await leases().acquire(NAME, 'replica-a', 30_000);
    expect(held).toEqual({
      name: NAME,
      owner: 'replica-a',
      token: expect.stringMatching(/^[1-9]\d*$/),
      expiresAt: expect.stringMatching(ISO_UTC),
    });
    const remaining = Date.parse(held?.expiresAt ?? '') - (await databaseNow());
    expect(remaining).toBeGreaterThan(20_000);
    expect(remaining).toBeLessThanOrEqual(30_000);
  });

  it('refuses another owner while the lease is held, and renews it for the holder with the same token', async () => {
    const held = await leases().acquire(NAME, 'replica-a', 30_000);
    await expect(leases().acquire(NAME, 'replica-b', 30_000)).resolves.toBeNull();
    const again = await leases().acquire(NAME, 'replica-a', 60_000);
    expect(again?.token).toBe(held?.token);
    expect(Date.parse(again?.expiresAt ?? '')).toBeGreaterThan(Date.parse(held?.expiresAt ?? ''));
    const renewed = await leases().renew(NAME, 'replica-a', held?.token ?? '', 90_000);
    expect(renewed).toMatchObject({ owner: 'replica-a', token: held?.token });
    expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(
      Date.parse(again?.expiresAt ?? ''),
    );
    // Other names are other leases.
    await expect(leases().acquire('other', 'replica-b', 30_000)).resolves.toMatchObject({
      owner: 'replica-b',
    });
  });

  it('lets another owner take over an expired lease with a larger token; the old holder can neither renew nor release it', async () => {
    const old = await leases().acquire(NAME, 'replica-a', 30_000);
    await expire(NAME);
    const taken = await leases().acquire(NAME, 'replica-b', 30_000);
    expect(taken?.owner).toBe('replica-b');
    expect(BigInt(taken?.token ?? '0')).toBeGreaterThan(BigInt(old?.token ?? '0'));
    await expect(leases().renew(NAME, 'replica-a', old?.token ?? '', 30_000)).resolves.toBeNull();
    await leases().release(NAME, 'replica-a', old?.token ?? '');
    await expect(leases().acquire(NAME, 'replica-a', 30_000)).resolves.toBeNull();
    await expect(
      leases().renew(NAME, 'replica-b', taken?.token ?? '', 30_000),
    ).resolves.toMatchObject({ owner: 'replica-b', token: taken?.token });
  });

  it('refuses to renew an expired lease nobody took; acquiring it again gives its holder a new token', async () => {
    const held = await leases().acquire(NAME, 'replica-a', 30_000);
    await expire(NAME);
    await expect(leases().renew(NAME, 'replica-a', held?.token ?? '', 30_000)).resolves.toBeNull();
    const again = await leases().acquire(NAME, 'replica-a', 30_000);
    expect(again?.owner).toBe('replica-a');
    expect(BigInt(again?.token ?? '0')).toBeGreaterThan(BigInt(held?.token ?? '0'));
  });

  it('lets a short lease run out by the database’s clock', async () => {
    await leases().acquire(NAME, 'replica-a', 200);
    await expect(leases().acquire(NAME, 'replica-b', 30_000)).resolves.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(leases().acquire(NAME, 'replica-b', 30_000)).resolves.toMatchObject({
      owner: 'replica-b',
    });
  });

  it('frees the lease at once on release by its holder with its token, and only then', async () => {
    const held = await leases().acquire(NAME, 'replica-a', 30_000);
    const token = held?.token ?? '';
    await leases().release(NAME, 'replica-b', token);
    await leases().release(NAME, 'replica-a', String(BigInt(token) + 1n));
    await leases().release(NAME, 'replica-a', 'not-a-token');
    await expect(leases().acquire(NAME, 'replica-b', 30_000)).resolves.toBeNull();
    await leases().release(NAME, 'replica-a', token);
    const next = await leases().acquire(NAME, 'replica-b', 30_000);
    expect(BigInt(next?.token ?? '0')).toBeGreaterThan(BigInt(token));
    await expect(leases().renew(NAME, 'replica-a', token, 30_000)).resolves.toBeNull();
  });

  it('gives exactly one of many concurrent acquirers the lease', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, n) => leases().acquire(NAME, `replica-${n}`, 30_000)),
    );
    const winners = outcomes.filter((outcome) => outcome !== null);
    expect(winners).toHaveLength(1);
    await expire(NAME);
    const takeovers = await Promise.all(
      Array.from({ length: 8 }, (_, n) => leases().acquire(NAME, `replica-${n + 8}`, 30_000)),
    );
    expect(takeovers.filter((outcome) => outcome !== null)).toHaveLength(1);
  });

  it('refuses an empty name or owner and a ttl out of range; a malformed token holds nothing', async () => {
    await expect(leases().acquire('', 'replica-a', 1000)).rejects.toBeInstanceOf(InputError);
    await expect(leases().acquire(NAME, ' ', 1000)).rejects.toBeInstanceOf(InputError);
    await expect(leases().acquire(NAME, 'replica-a', 0)).rejects.toBeInstanceOf(InputError);
    await expect(leases().acquire(NAME, 'replica-a', 2 ** 31)).rejects.toBeInstanceOf(InputError);
    await expect(leases().renew(NAME, 'replica-a', '1', -5)).rejects.toBeInstanceOf(InputError);
    await expect(leases().renew(NAME, 'replica-a', '-1', 1000)).resolves.toBeNull();
  });
});
