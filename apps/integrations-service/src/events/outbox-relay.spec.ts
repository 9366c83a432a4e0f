import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@stellaops/integrations-persistence';
import type { Clock } from '../testing/outbox-fakes';
import {
  FakeClock,
  FakeLeases,
  FakeOutbox,
  FakePublisher,
  storedEvent,
} from '../testing/outbox-fakes';
import type { EventsConfig } from './events.config';
import { loadEventsConfig } from './events.config';
import type { OutboxRelayOptions } from './outbox-relay';
import { OutboxRelay } from './outbox-relay';
import { RELAY_LEASE_NAME } from './relay-lease';

const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };

function config(relay: Partial<EventsConfig['relay']> = {}, retention = {}): EventsConfig {
  const base = loadEventsConfig({});
  return {
    ...base,
    relay: { ...base.relay, ...relay },
    retention: { ...base.retention, ...retention },
  };
}

interface Harness {
  readonly relay: OutboxRelay;
  readonly outbox: FakeOutbox;
  readonly publisher: FakePublisher;
  readonly leases: FakeLeases;
  readonly clock: FakeClock;
}

/** A relay on fakes, holding its lease; `random` fixes the backoff's jitter. */
async function holdingRelay(
  options: Partial<OutboxRelayOptions> & { relayConfig?: Partial<EventsConfig['relay']> } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const outbox = new FakeOutbox(clock);
  const publisher = new FakePublisher([], clock);
  const leases = new FakeLeases(clock);
  const relay = new OutboxRelay({
    events: outbox,
    leases,
    publisher,
    config: config(options.relayConfig),
    owner: 'replica-a',
    logger,
    clock: clock.now,
    random: () => 0.5,
    ...options,
  });
  await expect(relay.lease.refresh()).resolves.toBe(true);
  return { relay, outbox, publisher, leases, clock };
}

/** Lets the round's pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function ids(events: readonly StoredEvent[]): string[] {
  return events.map((event) => event.id);
}

describe('OutboxRelay.round', () => {
  const a = randomUUID();
  const b = randomUUID();

  it("publishes an integration's next event only after the stream acked the previous one, integrations side by side", async () => {
    const { relay, outbox, publisher } = await holdingRelay();
    const [a1, b1, a2, a3, b2] = [
      storedEvent(a, 1),
      storedEvent(b, 2),
      storedEvent(a, 3),
      storedEvent(a, 4),
      storedEvent(b, 5),
    ] as StoredEvent[] as [StoredEvent, StoredEvent, StoredEvent, StoredEvent, StoredEvent];
    outbox.add(a1, b1, a2, a3, b2);
    publisher.hold = true;
    const round = relay.round();
    await settle();
    // The first event of each integration is in flight; nothing later of either.
    expect(publisher.held.map((held) => held.message.msgId)).toEqual([a1.id, b1.id]);
    publisher.held[0]?.ack();
    await settle();
    expect(publisher.held.map((held) => held.message.msgId)).toEqual([a1.id, b1.id, a2.id]);
    // Nothing is marked while publishes are under way.
    expect(outbox.marks).toEqual([]);
    publisher.held[2]?.ack();
    publisher.held[1]?.ack();
    await settle();
    expect(publisher.held.map((held) => held.message.msgId)).toEqual([
      a1.id,
      b1.id,
      a2.id,
      a3.id,
      b2.id,
    ]);
    publisher.held[3]?.ack();
    publisher.held[4]?.ack();
    await expect(round).resolves.toMatchObject({ read: 5, published: 5, failed: 0, deferred: 0 });
    // Marked once, after every ack, in one batch.
    expect(outbox.marks).toEqual([[a1.id, a2.id, b1.id, a3.id, b2.id]]);
    expect(outbox.unpublishedIds()).toEqual([]);
    // Stored as acked: each integration's in its order.
    expect(publisher.storedIds()).toEqual([a1.id, a2.id, b1.id, a3.id, b2.id]);
  });

  it('keeps at most `concurrency` integrations in flight', async () => {
    const { relay, outbox, publisher } = await holdingRelay({ relayConfig: { concurrency: 3 } });
    const integrations = Array.from({ length: 10 }, () => randomUUID());
    let position = 0;
    for (let n = 0; n < 4; n++) {
      for (const id of integrations) outbox.add(storedEvent(id, ++position));
    }
    await expect(relay.round()).resolves.toMatchObject({ read: 40, published: 40 });
    expect(publisher.maxInFlight).toBe(3);
    for (const id of integrations) {
      const expected = outbox.rows.filter((row) => row.event.integrationId === id);
      const sent = publisher.stored.filter((message) =>
        expected.some((row) => row.event.id === message.msgId),
      );
      expect(sent.map((message) => message.msgId)).toEqual(expected.map((row) => row.event.id));
    }
  });

  it("stops an integration's events at a failed publish, backs that integration off, and carries on with the others", async () => {
    const { relay, outbox, publisher, clock } = await holdingRelay();
    const events = [storedEvent(a, 1), storedEvent(a, 2), storedEvent(b, 3), storedEvent(a, 4)];
    const [a1, a2, b1, a3] = events as [StoredEvent, StoredEvent, StoredEvent, StoredEvent];
    outbox.add(...events);
    publisher.failWhen = (message) => (message.msgId === a2.id ? new Error('TIMEOUT') : undefined);

    const first = await relay.round();
    expect(first).toMatchObject({ read: 4, published: 2, failed: 1, deferred: 1 });
    expect(first.firstError).toContain(a2.id);
    expect(ids(events.filter((e) => outbox.unpublishedIds().includes(e.id)))).toEqual([
      a2.id,
      a3.id,
    ]);
    expect(publisher.attempts.map((m) => m.msgId)).toEqual([a1.id, b1.id, a2.id]);

    // Backing off: the next round leaves the integration alone.
    publisher.failWhen = undefined;
    await expect(relay.round()).resolves.toMatchObject({ read: 2, published: 0, deferred: 2 });
    // random 0.5 of the first backoff's 250 ms cap: 125 ms.
    clock.advance(124);
    await expect(relay.round()).resolves.toMatchObject({ published: 0, deferred: 2 });
    clock.advance(1);
    await expect(relay.round()).resolves.toMatchObject({ published: 2, failed: 0 });
    expect(publisher.storedIds()).toEqual([a1.id, b1.id, a2.id, a3.id]);
  });

  it('backs an integration off exponentially with jitter, capped', async () => {
    const { relay, outbox, publisher, clock } = await holdingRelay({
      random: () => 0.999,
      relayConfig: { backoffInitialMs: 100, backoffMaxMs: 1_000 },
    });
    outbox.add(storedEvent(a, 1));
    publisher.failWhen = () => new Error('no responders');
    await expect(relay.round()).resolves.toMatchObject({ failed: 1 });
    const waits: number[] = [];
    for (let failure = 1; failure <= 7; failure++) {
      let waited = 0;
      for (;;) {
        const outcome = await relay.round();
        if (outcome.failed > 0) break;
        clock.advance(1);
        waited++;
      }
      waits.push(waited);
    }
    // floor(0.999 * min(1000, 100 * 2^(n - 1))) after the nth failure.
    expect(waits).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('publishes and marks nothing while the broker is disconnected', async () => {
    const { relay, outbox, publisher } = await holdingRelay();
    outbox.add(storedEvent(a, 1), storedEvent(b, 2));
    publisher.connected = false;
    await expect(relay.round()).resolves.toMatchObject({ read: 2, published: 0, deferred: 2 });
    expect(publisher.attempts).toEqual([]);
    expect(outbox.marks).toEqual([]);
  });

  it('stops publishing at once when the lease has lapsed, and marks what was acked', async () => {
    const { relay, outbox, publisher, clock } = await holdingRelay();
    const events = [storedEvent(a, 1), storedEvent(a, 2), storedEvent(a, 3)];
    outbox.add(...events);
    publisher.hold = true;
    const round = relay.round();
    await settle();
    clock.advance(config().relay.leaseTtlMs);
    publisher.held[0]?.ack();
    await expect(round).resolves.toMatchObject({ published: 1, deferred: 2 });
    expect(publisher.attempts).toHaveLength(1);
    expect(outbox.marks).toEqual([[events[0]?.id]]);
    expect(relay.status.role).toBe('standby');
  });

  it('marks events acked in a round whose marking failed before it publishes anything else', async () => {
    const { relay, outbox, publisher } = await holdingRelay();
    const first = [storedEvent(a, 1), storedEvent(b, 2)];
    outbox.add(...first);
    outbox.failNextMark = new Error('connection terminated');
    await expect(relay.round()).rejects.toThrow('connection terminated');
    expect(outbox.unpublishedIds()).toEqual(ids(first));

    const later = storedEvent(a, 3);
    outbox.add(later);
    await expect(relay.round()).resolves.toMatchObject({ read: 1, published: 1 });
    expect(outbox.marks).toEqual([ids(first), [later.id]]);
    // The acked events were not sent again.
    expect(publisher.attempts.map((m) => m.msgId)).toEqual([...ids(first), later.id]);
  });

  it('sends a publish whose ack was lost again, and the stream keeps it once', async () => {
    const { relay, outbox, publisher, clock } = await holdingRelay();
    const event = storedEvent(a, 1);
    outbox.add(event);
    publisher.loseAckWhen = () => true;
    await expect(relay.round()).resolves.toMatchObject({ failed: 1 });
    publisher.loseAckWhen = undefined;
    clock.advance(1_000);
    await expect(relay.round()).resolves.toMatchObject({ published: 1, duplicates: 1 });
    expect(publisher.storedIds()).toEqual([event.id]);
    expect(relay.status).toMatchObject({ published: 1, duplicates: 1 });
  });

  it('fails the round when the stream cannot be set up, before reading the outbox', async () => {
    const { relay, outbox, publisher } = await holdingRelay();
    outbox.add(storedEvent(a, 1));
    publisher.ensureError = new Error('jetstream is not enabled');
    const list = jest.spyOn(outbox, 'listUnpublished');
    await expect(relay.round()).rejects.toThrow('jetstream is not enabled');
    expect(list).not.toHaveBeenCalled();
    expect(publisher.attempts).toEqual([]);
  });
});

describe('OutboxRelay.prune', () => {
  it('deletes published events past retention in batches until a short one', async () => {
    const { relay, outbox } = await holdingRelay();
    outbox.pruneResults = [1_000, 1_000, 7];
    await expect(relay.prune()).resolves.toBe(2_007);
    expect(outbox.pruneCalls).toEqual(
      Array.from({ length: 3 }, () => ({ olderThanSeconds: 168 * 3_600, limit: 1_000 })),
    );
  });

  it('stops after a few statements, and not at all without the lease', async () => {
    const { relay, outbox, clock } = await holdingRelay();
    outbox.pruneResults = Array.from({ length: 50 }, () => 1_000);
    await expect(relay.prune()).resolves.toBe(10_000);
    clock.advance(config().relay.leaseTtlMs);
    await expect(relay.prune()).resolves.toBe(0);
    expect(outbox.pruneCalls).toHaveLength(10);
  });
});

/** The shared lease table as one replica sees it; `cut` makes its calls fail (its database unreachable). */
function replicaView(leases: FakeLeases): FakeLeases & { cut: boolean } {
  const view = Object.create(leases) as FakeLeases & { cut: boolean };
  view.cut = false;
  for (const method of ['acquire', 'renew', 'release'] as const) {
    const original = leases[method].bind(leases) as (...args: unknown[]) => Promise<unknown>;
    (view as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      view.cut ? Promise.reject(new Error('connect ETIMEDOUT (fake)')) : original(...args);
  }
  return view;
}

async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('OutboxRelay across replicas (real timers)', () => {
  const realClock: Clock = { now: () => performance.now() };
  const relayConfig = { pollIntervalMs: 20, leaseTtlMs: 1_000, backoffInitialMs: 20 };

  function replica(
    owner: string,
    outbox: FakeOutbox,
    table: FakeLeases,
    stream: FakePublisher['stored'],
  ) {
    const publisher = new FakePublisher(stream, realClock);
    const leases = replicaView(table);
    const relay = new OutboxRelay({
      events: outbox,
      leases,
      publisher,
      config: config(relayConfig),
      owner,
      logger,
    });
    return { owner, relay, publisher, leases };
  }

  it('publishes from one replica only; a stopped holder hands over at the next poll, a cut-off one within ttl + poll, and nothing is stored twice', async () => {
    const outbox = new FakeOutbox(realClock);
    const table = new FakeLeases(realClock);
    const stream: FakePublisher['stored'] = [];
    const replicas = ['a', 'b', 'c'].map((owner) => replica(owner, outbox, table, stream));
    const [a] = replicas as [ReturnType<typeof replica>];
    a.relay.start();
    await eventually(() => table.holder(RELAY_LEASE_NAME) === 'a');
    for (const other of replicas.slice(1)) other.relay.start();
    let position = 0;
    const integrations = Array.from({ length: 5 }, () => randomUUID());
    const addEvents = (count: number) => {
      for (let n = 0; n < count; n++) {
        outbox.add(storedEvent(integrations[n % integrations.length] as string, ++position));
      }
    };
    addEvents(50);
    await eventually(() => outbox.unpublishedIds().length === 0);
    expect(replicas.slice(1).flatMap((other) => other.publisher.attempts)).toEqual([]);

    // A clean stop releases the lease: another replica takes over at its next poll.
    let since = performance.now();
    await a.relay.stop();
    await eventually(() => table.holder(RELAY_LEASE_NAME) !== undefined);
    expect(performance.now() - since).toBeLessThan(relayConfig.pollIntervalMs * 5);
    const holder = replicas.find((r) => r.owner === table.holder(RELAY_LEASE_NAME));
    const standby = replicas.find((r) => r !== a && r !== holder);
    if (holder === undefined || standby === undefined) throw new Error('no holder and standby');
    addEvents(50);
    await eventually(() => outbox.unpublishedIds().length === 0);
    expect(standby.publisher.attempts).toEqual([]);

    // Cut the holder off the lease table (its database unreachable, the broker still there): it
    // stops once its ttl has run out, and the standby takes over when the lease has expired.
    holder.leases.cut = true;
    since = performance.now();
    await eventually(() => standby.relay.status.role === 'active', 5_000);
    expect(performance.now() - since).toBeLessThan(
      relayConfig.leaseTtlMs + relayConfig.pollIntervalMs * 5,
    );
    expect(holder.relay.status.role).toBe('standby');
    const holderLastAttempt = Math.max(0, ...holder.publisher.attemptedAt);
    addEvents(50);
    await eventually(() => outbox.unpublishedIds().length === 0);
    // No overlap: the cut-off holder had stopped before the new one published anything.
    expect(Math.min(...standby.publisher.attemptedAt)).toBeGreaterThan(holderLastAttempt);
    expect(holder.publisher.attempts).toHaveLength(50);

    holder.leases.cut = false;
    await Promise.all(replicas.slice(1).map((r) => r.relay.stop()));
    const storedIds = stream.map((message) => message.msgId);
    expect(storedIds).toHaveLength(150);
    expect(new Set(storedIds).size).toBe(150);
    for (const id of integrations) {
      const expected = outbox.rows
        .filter((row) => row.event.integrationId === id)
        .map((row) => row.event.id);
      expect(storedIds.filter((stored) => expected.includes(stored))).toEqual(expected);
    }
  }, 20_000);

  it('backs the whole relay off while every publish fails', async () => {
    const outbox = new FakeOutbox(realClock);
    const leases = new FakeLeases(realClock);
    const publisher = new FakePublisher([], realClock);
    publisher.failWhen = () => new Error('TIMEOUT');
    const relay = new OutboxRelay({
      events: outbox,
      leases,
      publisher,
      config: config({ pollIntervalMs: 10, backoffInitialMs: 200, backoffMaxMs: 200 }),
      owner: 'solo',
      logger,
      random: () => 0.99,
    });
    outbox.add(storedEvent(randomUUID(), 1));
    const list = jest.spyOn(outbox, 'listUnpublished');
    relay.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await relay.stop();
    // Polling every 10 ms would read ~70 times; backing off 198 ms reads about 4.
    expect(list.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(list.mock.calls.length).toBeLessThanOrEqual(8);
    expect(outbox.marks).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('retrying with backoff'));
  });
});
