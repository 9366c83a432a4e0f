import { randomUUID } from 'node:crypto';
import type { LifecycleEventType } from '@stellaops/integrations-core';
import type { HeldLease, LeaseRepository, StoredEvent } from '@stellaops/integrations-persistence';
import type { BrokerMessage } from '../events/broker-message';
import type { EventPublisher, PublishAck } from '../events/event-publisher';
import type { RelayOutbox } from '../events/outbox-relay';

export interface Clock {
  now(): number;
}

/** A controllable clock in milliseconds, for the relay's and the lease's deadlines. */
export class FakeClock implements Clock {
  constructor(public nowMs = 1_000) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** An event of `integrationId` as the outbox stores it. */
export function storedEvent(
  integrationId: string,
  position: number,
  type: LifecycleEventType = 'integration.updated',
): StoredEvent {
  return {
    position: String(position),
    id: randomUUID(),
    type,
    tenantId: 'acme',
    integrationId,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString(),
    payload: {
      integration: {
        id: integrationId,
        name: `n-${integrationId.slice(0, 8)}`,
        type: 'scm',
        provider: 'in-memory',
        version: position,
      },
      changedFields: ['endpoint'],
    } as StoredEvent['payload'],
  };
}

/** The outbox in memory: position order, `published` marks, failures on demand. */
export class FakeOutbox implements RelayOutbox {
  readonly rows: { event: StoredEvent; publishedAt: number | undefined }[] = [];
  /** Every call to `markPublished`, in order. */
  readonly marks: string[][] = [];
  failNextMark: Error | undefined;
  failNextList: Error | undefined;
  /** Results for successive `prunePublished` calls (then 0). */
  pruneResults: number[] = [];
  readonly pruneCalls: { olderThanSeconds: number; limit: number }[] = [];

  constructor(private readonly clock: Clock = new FakeClock()) {}

  add(...events: StoredEvent[]): void {
    for (const event of events) this.rows.push({ event, publishedAt: undefined });
    this.rows.sort((a, b) => Number(a.event.position) - Number(b.event.position));
  }

  unpublishedIds(): string[] {
    return this.rows.filter((row) => row.publishedAt === undefined).map((row) => row.event.id);
  }

  async listUnpublished(limit: number): Promise<StoredEvent[]> {
    if (this.failNextList !== undefined) {
      const error = this.failNextList;
      this.failNextList = undefined;
      throw error;
    }
    return this.rows
      .filter((row) => row.publishedAt === undefined)
      .slice(0, limit)
      .map((row) => row.event);
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (this.failNextMark !== undefined) {
      const error = this.failNextMark;
      this.failNextMark = undefined;
      throw error;
    }
    this.marks.push([...ids]);
    for (const row of this.rows) {
      if (ids.includes(row.event.id)) row.publishedAt ??= this.clock.now();
    }
  }

  async prunePublished(olderThanSeconds: number, limit: number): Promise<number> {
    this.pruneCalls.push({ olderThanSeconds, limit });
    return this.pruneResults.shift() ?? 0;
  }
}

/** Leases as the database keeps them, on a shared fake clock; `unreachable` makes every call reject. */
export class FakeLeases implements LeaseRepository {
  private readonly leases = new Map<string, { owner: string; token: number; expiresAt: number }>();
  private tokens = 0;
  unreachable = false;
  readonly calls: string[] = [];

  constructor(private readonly clock: Clock) {}

  holder(name: string): string | undefined {
    const lease = this.leases.get(name);
    return lease !== undefined && lease.expiresAt > this.clock.now() ? lease.owner : undefined;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<HeldLease | null> {
    this.check(`acquire ${owner}`);
    const now = this.clock.now();
    const lease = this.leases.get(name);
    if (lease !== undefined && lease.expiresAt > now && lease.owner !== owner) return null;
    const token =
      lease !== undefined && lease.owner === owner && lease.expiresAt > now
        ? lease.token
        : ++this.tokens;
    const next = { owner, token, expiresAt: now + ttlMs };
    this.leases.set(name, next);
    return this.held(name, next);
  }

  async renew(
    name: string,
    owner: string,
    token: string,
    ttlMs: number,
  ): Promise<HeldLease | null> {
    this.check(`renew ${owner}`);
    const lease = this.leases.get(name);
    // As the database does: an expired lease is acquired again, never renewed.
    if (
      lease === undefined ||
      lease.owner !== owner ||
      String(lease.token) !== token ||
      lease.expiresAt <= this.clock.now()
    ) {
      return null;
    }
    lease.expiresAt = this.clock.now() + ttlMs;
    return this.held(name, lease);
  }

  async release(name: string, owner: string, token: string): Promise<void> {
    this.check(`release ${owner}`);
    const lease = this.leases.get(name);
    if (lease !== undefined && lease.owner === owner && String(lease.token) === token) {
      this.leases.delete(name);
    }
  }

  private check(call: string): void {
    this.calls.push(call);
    if (this.unreachable) throw new Error('connect ECONNREFUSED (fake database)');
  }

  private held(
    name: string,
    lease: { owner: string; token: number; expiresAt: number },
  ): HeldLease {
    return {
      name,
      owner: lease.owner,
      token: String(lease.token),
      expiresAt: new Date(lease.expiresAt).toISOString(),
    };
  }
}

/** A publish the fake publisher is holding: resolve it (ack) or reject it (failure) by hand. */
export interface HeldPublish {
  readonly message: BrokerMessage;
  ack(): void;
  fail(error?: Error): void;
}

/**
 * A stream in memory with JetStream's de-duplication by message id. By default it acks at
 * once; `hold` keeps each publish pending until the test settles it; `failWhen` rejects chosen
 * messages. Records what was attempted and what was stored, in order.
 */
export class FakePublisher implements EventPublisher {
  connected = true;
  hold = false;
  failWhen: ((message: BrokerMessage) => Error | undefined) | undefined;
  /** Stores the chosen messages but rejects their publish, as an ack lost on the way back does. */
  loseAckWhen: ((message: BrokerMessage) => boolean) | undefined;
  ensureError: Error | undefined;
  ensureCalls = 0;
  readonly attempts: BrokerMessage[] = [];
  /** When each attempt was made, by `clock`. */
  readonly attemptedAt: number[] = [];
  readonly held: HeldPublish[] = [];
  private inFlight = 0;
  maxInFlight = 0;

  /** `stored` may be shared by several publishers: one stream, several replicas. */
  constructor(
    readonly stored: BrokerMessage[] = [],
    private readonly clock: Clock = { now: () => performance.now() },
  ) {}

  async ensureStream(): Promise<void> {
    this.ensureCalls++;
    if (this.ensureError !== undefined) throw this.ensureError;
  }

  publish(message: BrokerMessage): Promise<PublishAck> {
    this.attempts.push(message);
    this.attemptedAt.push(this.clock.now());
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<PublishAck>((resolve, reject) => {
      const ack = (): void => {
        this.inFlight--;
        const index = this.stored.findIndex((stored) => stored.msgId === message.msgId);
        if (index >= 0) {
          resolve({ duplicate: true, seq: index + 1 });
          return;
        }
        this.stored.push(message);
        resolve({ duplicate: false, seq: this.stored.length });
      };
      const fail = (error: Error = new Error('TIMEOUT (fake broker)')): void => {
        this.inFlight--;
        reject(error);
      };
      if (this.hold) {
        this.held.push({ message, ack, fail });
        return;
      }
      const error = this.failWhen?.(message);
      if (error !== undefined) {
        fail(error);
      } else if (this.loseAckWhen?.(message) === true) {
        if (!this.stored.some((stored) => stored.msgId === message.msgId))
          this.stored.push(message);
        fail(new Error('TIMEOUT (fake broker: the ack was lost)'));
      } else {
        queueMicrotask(ack);
      }
    });
  }

  storedIds(): string[] {
    return this.stored.map((message) => message.msgId);
  }
}
