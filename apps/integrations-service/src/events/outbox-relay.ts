import type { Logger } from '@nestjs/common';
import type {
  EventOutboxRepository,
  LeaseRepository,
  StoredEvent,
} from '@stellaops/integrations-persistence';
import { RetryPolicy } from '@stellaops/integrations-plugin-abstractions';
import { toBrokerMessage } from './broker-message';
import type { EventPublisher } from './event-publisher';
import type { EventsConfig } from './events.config';
import type { LeaseChange } from './relay-lease';
import { RelayLease } from './relay-lease';

/** The outbox operations the relay uses. */
export type RelayOutbox = Pick<
  EventOutboxRepository,
  'listUnpublished' | 'markPublished' | 'prunePublished'
>;

export interface OutboxRelayOptions {
  readonly events: RelayOutbox;
  readonly leases: LeaseRepository;
  readonly publisher: EventPublisher;
  readonly config: Pick<EventsConfig, 'stream' | 'relay' | 'retention'>;
  /** This replica's name as the lease's owner. */
  readonly owner: string;
  readonly logger: Pick<Logger, 'log' | 'warn' | 'error'>;
  /** Monotonic milliseconds; `performance.now` unless a test gives its own. */
  readonly clock?: () => number;
  /** In [0, 1), for the backoff's jitter. */
  readonly random?: () => number;
}

/** What one round did. */
export interface RoundOutcome {
  /** Unpublished events read. */
  readonly read: number;
  /** Acked by the stream and marked published (duplicates included). */
  readonly published: number;
  /** Of those, events the stream already held (an earlier attempt's ack was lost). */
  readonly duplicates: number;
  /** Publishes that failed (each stops its integration's events for the round). */
  readonly failed: number;
  /** Events not attempted: their integration is backing off, or publishing had to stop. */
  readonly deferred: number;
  /** The first failure's message. */
  readonly firstError?: string;
}

export interface RelayStatus {
  /** `active`: this replica holds the lease and publishes; `standby`: another does, or none yet. */
  readonly role: 'active' | 'standby';
  readonly lastPublishAt: string | undefined;
  /** Events acked since start (duplicates included), and how many were duplicates. */
  readonly published: number;
  readonly duplicates: number;
}

interface Backoff {
  failures: number;
  notBefore: number;
}

/** At most this many prune statements follow one round, so that pruning never holds up publishing for long. */
const PRUNE_STATEMENTS_PER_ROUND = 10;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Publishes the outbox to the broker.
 *
 * One replica at a time: the relay runs while this replica holds the `outbox-relay` lease
 * (see RelayLease), renewed every ttl/3; standbys try to take it every poll interval. A holder
 * that dies stops renewing: its lease expires at most ttl after its last renewal, and a standby
 * takes it at its next poll, so a dead relay is replaced within ttl + the poll interval (+ one
 * lease statement). A holder shutting down releases it, and a standby takes over at its next poll.
 * A holder cut off from the database stops publishing when its ttl has passed since its last
 * successful renewal, before any standby can take the lease.
 *
 * A round reads up to a batch of unpublished events in position order (commit order per tenant,
 * hence per integration) and publishes each integration's events one after another — the next
 * only once the stream has acked the previous — while up to `concurrency` integrations proceed
 * at once. Acked events are marked published together when the round's publishes are done; a
 * row is never marked before its ack. A failed publish stops its integration's events for the
 * round and backs that integration off (exponential with full jitter, capped); a round in which
 * every publish failed backs the whole relay off the same way. While the broker is disconnected
 * nothing is published or marked. Each message carries the event id as `Nats-Msg-Id`, so a retry
 * (after a lost ack, or by the next holder of the lease) within the stream's duplicate window is
 * stored once; config validation keeps that window longer than the longest retry.
 *
 * The holder also deletes published events older than the retention, in batches.
 */
export class OutboxRelay {
  readonly lease: RelayLease;
  private readonly stopping = new AbortController();
  private readonly clock: () => number;
  private readonly backoff: RetryPolicy;
  private readonly waiting = new Map<string, Backoff>();
  /** Acked, but marking them failed: marked before anything else is published. */
  private unmarked: string[] = [];
  private failedRounds = 0;
  private lastPublishAt: Date | undefined;
  private publishedCount = 0;
  private duplicateCount = 0;
  private nextPruneAt = Number.NEGATIVE_INFINITY;
  private loops: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.clock = options.clock ?? (() => performance.now());
    const { relay } = options.config;
    this.backoff = RetryPolicy.create({
      baseDelayMs: relay.backoffInitialMs,
      maxDelayMs: relay.backoffMaxMs,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.lease = new RelayLease(
      options.leases,
      options.owner,
      relay.leaseTtlMs,
      (change) => this.onLeaseChange(change),
      this.clock,
    );
  }

  get status(): RelayStatus {
    return {
      role: this.lease.isHeld ? 'active' : 'standby',
      lastPublishAt: this.lastPublishAt?.toISOString(),
      published: this.publishedCount,
      duplicates: this.duplicateCount,
    };
  }

  start(): void {
    this.loops ??= Promise.all([this.leaseLoop(), this.publishLoop()]).then(() => undefined);
  }

  /**
   * Stops: no new publish starts, the round under way ends (publishes in flight within the
   * publish timeout) and marks what was acked, then the lease is released.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loops;
    if (this.unmarked.length > 0) {
      await this.flushUnmarked().catch((error: unknown) => {
        this.options.logger.warn(
          `could not mark ${this.unmarked.length} published event(s) at shutdown; the next relay publishes them again and the stream drops them as duplicates: ${messageOf(error)}`,
        );
      });
    }
    await this.lease.release().catch((error: unknown) => {
      this.options.logger.warn(
        `could not release the relay's lease at shutdown; another replica takes over when it expires: ${messageOf(error)}`,
      );
    });
  }

  /** One round (see the class). Rejects when the database or the stream's set-up failed. */
  async round(): Promise<RoundOutcome> {
    await this.flushUnmarked();
    await this.options.publisher.ensureStream();
    const events = await this.options.events.listUnpublished(this.options.config.relay.batchSize);
    const chains = new Map<string, StoredEvent[]>();
    for (const event of events) {
      const chain = chains.get(event.integrationId);
      if (chain === undefined) chains.set(event.integrationId, [event]);
      else chain.push(event);
    }
    const now = this.clock();
    const ready: StoredEvent[][] = [];
    let deferred = 0;
    for (const [integrationId, chain] of chains) {
      if ((this.waiting.get(integrationId)?.notBefore ?? 0) > now) deferred += chain.length;
      else ready.push(chain);
    }
    const acked: string[] = [];
    let duplicates = 0;
    let failed = 0;
    let firstError: string | undefined;
    const publishChain = async (chain: readonly StoredEvent[]): Promise<void> => {
      for (const [index, event] of chain.entries()) {
        if (!this.mayPublish()) {
          deferred += chain.length - index;
          return;
        }
        try {
          const ack = await this.options.publisher.publish(
            toBrokerMessage(event, this.options.config.stream.subjectPrefix),
          );
          acked.push(event.id);
          if (ack.duplicate) duplicates++;
          this.waiting.delete(event.integrationId);
        } catch (error) {
          failed++;
          firstError ??= `event ${event.id} (${event.type}): ${messageOf(error)}`;
          this.backOff(event.integrationId);
          deferred += chain.length - index - 1;
          return;
        }
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let chain = ready[next++]; chain !== undefined; chain = ready[next++]) {
        await publishChain(chain);
      }
    };
    const workers = Math.min(this.options.config.relay.concurrency, ready.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (acked.length > 0) {
      this.lastPublishAt = new Date();
      this.publishedCount += acked.length;
      this.duplicateCount += duplicates;
      this.unmarked.push(...acked);
      await this.flushUnmarked();
    }
    return {
      read: events.length,
      published: acked.length,
      duplicates,
      failed,
      deferred,
      ...(firstError === undefined ? {} : { firstError }),
    };
  }

  /**
   * Deletes published events past the retention, a batch per statement, at most a few
   * statements per call; the rest at the next. Returns how many were deleted.
   */
  async prune(): Promise<number> {
    const { publishedMaxAgeSeconds, pruneBatchSize, pruneIntervalMs } =
      this.options.config.retention;
    let deleted = 0;
    for (let statement = 0; statement < PRUNE_STATEMENTS_PER_ROUND; statement++) {
      if (!this.lease.isHeld || this.stopping.signal.aborted) return deleted;
      const count = await this.options.events.prunePublished(
        publishedMaxAgeSeconds,
        pruneBatchSize,
      );
      deleted += count;
      if (count < pruneBatchSize) {
        this.nextPruneAt = this.clock() + pruneIntervalMs;
        return deleted;
      }
    }
    return deleted;
  }

  private mayPublish(): boolean {
    return !this.stopping.signal.aborted && this.lease.isHeld && this.options.publisher.connected;
  }

  private backOff(integrationId: string): void {
    const entry = this.waiting.get(integrationId) ?? { failures: 0, notBefore: 0 };
    entry.failures++;
    entry.notBefore = this.clock() + this.backoff.backoffMs(entry.failures);
    this.waiting.set(integrationId, entry);
  }

  private async flushUnmarked(): Promise<void> {
    if (this.unmarked.length === 0) return;
    const ids = this.unmarked;
    await this.options.events.markPublished(ids);
    this.unmarked = this.unmarked.slice(ids.length);
  }

  private onLeaseChange(change: LeaseChange): void {
    if (change.kind === 'acquired') {
      this.options.logger.log(
        `this replica (${this.options.owner}) is now the outbox relay (lease token ${change.lease.token})`,
      );
      this.wake?.();
      return;
    }
    // The next holder starts from the outbox: anything acked but unmarked here it publishes
    // again, and the stream drops it as a duplicate.
    this.waiting.clear();
    this.unmarked = [];
    this.failedRounds = 0;
    if (!this.stopping.signal.aborted) {
      this.options.logger.warn(
        `this replica stopped relaying events: its lease is lost (${change.reason})`,
      );
    }
  }

  private async leaseLoop(): Promise<void> {
    const { leaseTtlMs, pollIntervalMs } = this.options.config.relay;
    let failing = false;
    while (!this.stopping.signal.aborted) {
      const held = this.lease.isHeld;
      try {
        await this.lease.refresh();
        failing = false;
      } catch (error) {
        if (held) {
          this.options.logger.warn(
            `could not renew the relay's lease (publishing stops once ${leaseTtlMs} ms have passed since the last renewal): ${messageOf(error)}`,
          );
        } else if (!failing) {
          this.options.logger.warn(`could not ask for the relay's lease: ${messageOf(error)}`);
        }
        failing = true;
      }
      await this.idle(this.lease.isHeld ? Math.floor(leaseTtlMs / 3) : pollIntervalMs, false);
    }
  }

  private async publishLoop(): Promise<void> {
    const { pollIntervalMs, batchSize } = this.options.config.relay;
    while (!this.stopping.signal.aborted) {
      if (!this.mayPublish()) {
        await this.idle(pollIntervalMs, true);
        continue;
      }
      let delay = pollIntervalMs;
      try {
        const outcome = await this.round();
        if (outcome.failed > 0) {
          this.options.logger.warn(
            `could not publish ${outcome.failed + outcome.deferred} event(s) this round, retrying with backoff: ${outcome.firstError ?? ''}`,
          );
        }
        if (outcome.failed > 0 && outcome.published === 0) {
          delay = this.roundFailed();
        } else {
          if (this.failedRounds > 0 && outcome.published > 0) {
            this.options.logger.log(
              `publishing events again after ${this.failedRounds} failed round(s)`,
            );
          }
          if (outcome.published > 0 || outcome.failed === 0) this.failedRounds = 0;
          // A full batch that went out: more are likely waiting.
          if (outcome.read === batchSize && outcome.published > 0) delay = 0;
        }
      } catch (error) {
        delay = this.roundFailed();
        this.options.logger.warn(
          `the outbox relay's round failed, retrying in ${delay} ms: ${messageOf(error)}`,
        );
      }
      if (this.clock() >= this.nextPruneAt) {
        await this.prune().then(
          (deleted) => {
            if (deleted > 0) {
              this.options.logger.log(`pruned ${deleted} published event(s) past retention`);
            }
          },
          (error: unknown) => {
            this.nextPruneAt = this.clock() + this.options.config.retention.pruneIntervalMs;
            this.options.logger.warn(`could not prune published events: ${messageOf(error)}`);
          },
        );
      }
      if (delay > 0) await this.idle(delay, true);
    }
  }

  private roundFailed(): number {
    this.failedRounds++;
    return Math.max(
      this.options.config.relay.pollIntervalMs,
      this.backoff.backoffMs(this.failedRounds),
    );
  }

  /** Waits `ms`, or less when stopping (or, for the publish loop, when the lease is acquired). */
  private idle(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping.signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', done);
        if (wakeable && this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopping.signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.wake = done;
    });
  }
}
