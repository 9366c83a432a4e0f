import { FakeClock, FakeLeases } from '../testing/outbox-fakes';
import type { LeaseChange } from './relay-lease';
import { RELAY_LEASE_NAME, RelayLease } from './relay-lease';

const TTL = 10_000;

function lease(owner: string, leases: FakeLeases, clock: FakeClock) {
  const changes: LeaseChange[] = [];
  const relayLease = new RelayLease(
    leases,
    owner,
    TTL,
    (change) => changes.push(change),
    clock.now,
  );
  return { lease: relayLease, changes };
}

describe('RelayLease', () => {
  it('is held by one owner at a time; a standby takes it once it has expired', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases(clock);
    const a = lease('a', leases, clock);
    const b = lease('b', leases, clock);
    await expect(a.lease.refresh()).resolves.toBe(true);
    await expect(b.lease.refresh()).resolves.toBe(false);
    expect(a.changes).toEqual([
      { kind: 'acquired', lease: expect.objectContaining({ owner: 'a' }) },
    ]);
    expect(b.changes).toEqual([]);
    // Renewed within the ttl, it stays a's.
    clock.advance(TTL - 1);
    await expect(a.lease.refresh()).resolves.toBe(true);
    clock.advance(TTL - 1);
    await expect(b.lease.refresh()).resolves.toBe(false);
    expect(a.lease.isHeld).toBe(true);
    // a stops renewing (dead): b gets it after the ttl, with a newer token.
    const aToken = a.lease.token;
    clock.advance(1);
    expect(a.lease.isHeld).toBe(false);
    await expect(b.lease.refresh()).resolves.toBe(true);
    expect(BigInt(b.lease.token ?? '0')).toBeGreaterThan(BigInt(aToken ?? '0'));
    expect(a.changes.at(-1)).toEqual({ kind: 'lost', reason: `not renewed within its ${TTL} ms` });
  });

  it('is lost at once when a renewal finds another owner', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases(clock);
    const a = lease('a', leases, clock);
    await a.lease.refresh();
    // The row changed hands behind a's back (say, its lease was cleared by hand).
    await leases.release(RELAY_LEASE_NAME, 'a', a.lease.token ?? '');
    const b = lease('b', leases, clock);
    await b.lease.refresh();
    expect(a.lease.isHeld).toBe(true);
    await expect(a.lease.refresh()).resolves.toBe(false);
    expect(a.lease.isHeld).toBe(false);
    expect(a.changes.at(-1)).toEqual({ kind: 'lost', reason: 'another replica holds it now' });
  });

  it('stays held while renewals fail, until ttl has passed since the last renewal was sent', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases(clock);
    const a = lease('a', leases, clock);
    await a.lease.refresh();
    clock.advance(TTL / 3);
    await a.lease.refresh();
    leases.unreachable = true;
    clock.advance(TTL / 3);
    await expect(a.lease.refresh()).rejects.toThrow('ECONNREFUSED');
    expect(a.lease.isHeld).toBe(true);
    clock.advance(TTL - TTL / 3 - 1);
    expect(a.lease.isHeld).toBe(true);
    clock.advance(1);
    expect(a.lease.isHeld).toBe(false);
    // The database's expiry is no earlier: no other owner could have taken it before now.
    leases.unreachable = false;
    expect(leases.holder(RELAY_LEASE_NAME)).toBeUndefined();
  });

  it('counts the ttl from when a renewal was sent, not answered', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases(clock);
    const slow = {
      acquire: async (name: string, owner: string, ttlMs: number) => {
        const held = await leases.acquire(name, owner, ttlMs);
        clock.advance(3_000);
        return held;
      },
      renew: leases.renew.bind(leases),
      release: leases.release.bind(leases),
    };
    const relayLease = new RelayLease(slow, 'a', TTL, () => undefined, clock.now);
    await relayLease.refresh();
    clock.advance(TTL - 3_000 - 1);
    expect(relayLease.isHeld).toBe(true);
    clock.advance(1);
    expect(relayLease.isHeld).toBe(false);
  });

  it('releases the lease so that a standby gets it at once', async () => {
    const clock = new FakeClock();
    const leases = new FakeLeases(clock);
    const a = lease('a', leases, clock);
    const b = lease('b', leases, clock);
    await a.lease.refresh();
    await a.lease.release();
    expect(a.lease.isHeld).toBe(false);
    await expect(b.lease.refresh()).resolves.toBe(true);
    // Releasing a lease not held touches nothing.
    await a.lease.release();
    expect(leases.holder(RELAY_LEASE_NAME)).toBe('b');
  });
});
