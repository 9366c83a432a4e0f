import type { LifecycleEvent } from '@stellaops/integrations-core';

/** An event as the outbox keeps it: `position` orders the feed (a bigint, as a string). */
export interface StoredEvent extends LifecycleEvent {
  readonly position: string;
}

/**
 * Lifecycle events, written in the same transaction as the change they describe. Positions are
 * handed out in commit order, so a reader that has seen position p never later finds a new event
 * below p.
 */
export interface EventOutboxRepository {
  /** @throws ConflictError when an event with that id is already stored */
  append(event: LifecycleEvent): Promise<StoredEvent>;
  /**
   * The tenant's events after the one with `afterEventId` (from the start without it), oldest first.
   * @throws InputError when `afterEventId` is not one of the tenant's events
   */
  listAfter(
    tenantId: string,
    afterEventId: string | undefined,
    limit: number,
  ): Promise<StoredEvent[]>;
  /** Events of every tenant that the relay has not published yet, oldest first. */
  listUnpublished(limit: number): Promise<StoredEvent[]>;
  markPublished(ids: readonly string[]): Promise<void>;
  /**
   * Appends several events in one statement, in array order (positions ascending), taking each
   * distinct tenant's commit-order lock in a fixed order (no deadlock between two batches).
   * @throws ConflictError when an id is already stored
   */
  appendMany(events: readonly LifecycleEvent[]): Promise<StoredEvent[]>;
  /** Not yet published: how many, and the age of the oldest (0 when none), by the database's clock. */
  pending(): Promise<{ readonly count: number; readonly oldestSeconds: number }>;
  /**
   * Deletes up to `limit` events published more than `olderThanSeconds` ago, oldest published
   * first; returns how many. They leave the tenant's feed too (`listAfter` then refuses them as
   * a starting point): keep them longer than feed readers may lag.
   */
  prunePublished(olderThanSeconds: number, limit: number): Promise<number>;
}
