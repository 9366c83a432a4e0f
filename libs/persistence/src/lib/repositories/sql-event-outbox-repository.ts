import { createHash } from 'node:crypto';
import type { LifecycleEvent, LifecycleEventType } from '@stellaops/integrations-core';
import { ConflictError, InputError, isUuid } from '@stellaops/integrations-core';
import { PgErrorCodes, pgErrorOf } from '../sql/pg-error';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import type { EventOutboxRepository, StoredEvent } from './event-outbox-repository';
import { assertLimit } from './assert-limit';
import { assertNumber } from './assert-number';

interface EventRow {
  position: string;
  id: string;
  tenant_id: string;
  integration_id: string;
  type: string;
  occurred_at: string;
  payload: LifecycleEvent['payload'];
}

// int8 is cast to text so that the position stays a string whatever pg's parseInt8 setting is.
// Queries alias the table as e and sort by e."position": a bare "position" in ORDER BY would
// name this text output column and sort "10" before "9".
const COLUMNS = `e."position"::text AS "position", e."id", e."tenant_id", e."integration_id", e."type", e."occurred_at", e."payload"`;

export interface OutboxStatements {
  readonly append: string;
  readonly appendMany: string;
  readonly positionOf: string;
  readonly listAfter: string;
  readonly listUnpublished: string;
  readonly markPublished: string;
  readonly pending: string;
  readonly prunePublished: string;
}

/**
 * The first half of the transaction-scoped advisory lock that appends take; the second half is
 * the tenant's hashtext. Holding it until commit makes a tenant's positions commit in order: an
 * append gets its position only after the tenant's previous appender has committed (or rolled
 * back), so a later position of a tenant never becomes visible before an earlier one, and a feed
 * reader's "after position p" never skips an event that commits late. The feed is per tenant, so
 * tenants do not wait for each other: positions of different tenants may commit out of order,
 * which no reader of one tenant can see. Two tenants whose hashes collide merely share a lock.
 * The relay reads every tenant's unpublished events without a cursor: one that commits late is
 * in its next read.
 *
 * A batch (appendMany) takes the lock of each distinct tenant of the batch before its first row
 * gets a position, so the guarantee holds for every tenant in it, and then inserts its rows in
 * array order, so positions ascend along the array. It takes the locks in ascending order of
 * the lock key (the hash, not the tenant's name, since two names may share a key): two batches
 * that share tenants wait for each other instead of each holding a lock the other needs. A
 * transaction that appends more than once may still deadlock with another that appends to the
 * same tenants in the opposite order, as with single appends; PostgreSQL then aborts one of them.
 */
function appendLockClass(tables: TableNames): number {
  return createHash('sha256')
    .update(`stellaops-integrations:${tables.eventOutbox}`)
    .digest()
    .readInt32BE(0);
}

export function buildOutboxStatements(tables: TableNames): OutboxStatements {
  const t = tables.eventOutbox;
  return {
    append: `WITH "commit_order" AS (
        SELECT pg_advisory_xact_lock(${appendLockClass(tables)}, hashtext($2::text))
      )
      INSERT INTO ${t} AS e ("id", "tenant_id", "integration_id", "type", "occurred_at", "payload")
      SELECT $1::uuid, $2, $3::uuid, $4, $5::timestamptz, $6::jsonb FROM "commit_order"
      RETURNING ${COLUMNS}`,
    // $1: the batch as a jsonb array of { ord, id, tenant_id, integration_id, type,
    // occurred_at, payload }. The aggregate takes every lock before the join yields a row,
    // and the rows are inserted (their positions drawn) in "ord" order.
    appendMany: `WITH "input" AS (
        SELECT r.* FROM jsonb_to_recordset($1::jsonb) AS r("ord" integer, "id" uuid,
          "tenant_id" text, "integration_id" uuid, "type" text, "occurred_at" timestamptz,
          "payload" jsonb)
      ),
      "commit_order" AS (
        SELECT count(pg_advisory_xact_lock(${appendLockClass(tables)}, k."key")) AS "locks"
        FROM (SELECT DISTINCT hashtext(r."tenant_id") AS "key" FROM "input" AS r ORDER BY 1) AS k
      )
      INSERT INTO ${t} AS e ("id", "tenant_id", "integration_id", "type", "occurred_at", "payload")
      SELECT r."id", r."tenant_id", r."integration_id", r."type", r."occurred_at", r."payload"
      FROM "input" AS r CROSS JOIN "commit_order"
      ORDER BY r."ord"
      RETURNING ${COLUMNS}`,
    positionOf: `SELECT "position"::text AS "position" FROM ${t} WHERE "id" = $1 AND "tenant_id" = $2`,
    listAfter: `SELECT ${COLUMNS} FROM ${t} AS e
      WHERE e."tenant_id" = $1 AND e."position" > $2::bigint ORDER BY e."position" LIMIT $3`,
    listUnpublished: `SELECT ${COLUMNS} FROM ${t} AS e
      WHERE e."published_at" IS NULL ORDER BY e."position" LIMIT $1`,
    markPublished: `UPDATE ${t} SET "published_at" = now()
      WHERE "id" = ANY($1::uuid[]) AND "published_at" IS NULL`,
    // The oldest is the relay's next event (the lowest unpublished position, the first entry of
    // ix_event_outbox_unpublished), aged by its occurred_at, which the writer's clock set: a
    // negative age from a writer's clock ahead of the database's counts as 0.
    pending: `SELECT count(*)::integer AS "count",
        COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - (
          SELECT o."occurred_at" FROM ${t} AS o WHERE o."published_at" IS NULL
          ORDER BY o."position" LIMIT 1))), 0)::float8 AS "oldest_seconds"
      FROM ${t} AS e WHERE e."published_at" IS NULL`,
    // Oldest published first, on ix_event_outbox_published. $1 seconds, $2 limit.
    prunePublished: `WITH "pruned" AS (
        DELETE FROM ${t} WHERE "position" IN (
          SELECT e."position" FROM ${t} AS e
          WHERE e."published_at" IS NOT NULL
            AND e."published_at" < now() - make_interval(secs => $1::float8)
          ORDER BY e."published_at" LIMIT $2)
        RETURNING 1
      )
      SELECT count(*)::integer AS "count" FROM "pruned"`,
  };
}

const statementsFor = perSchema(buildOutboxStatements);

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    id: row.id,
    type: row.type as LifecycleEventType,
    tenantId: row.tenant_id,
    integrationId: row.integration_id,
    occurredAt: toIso(row.occurred_at),
    payload: row.payload,
  };
}

export class SqlEventOutboxRepository implements EventOutboxRepository {
  private readonly sql: OutboxStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
  ) {
    this.sql = statementsFor(tables);
  }

  async append(event: LifecycleEvent): Promise<StoredEvent> {
    assertEventIds([event], '');
    try {
      const [row] = await this.db.rows<EventRow>(this.sql.append, [
        event.id,
        event.tenantId,
        event.integrationId,
        event.type,
        event.occurredAt,
        JSON.stringify(event.payload),
      ]);
      if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
      return toStoredEvent(row);
    } catch (error) {
      throw translateAppendError(error, `event ${event.id} is already in the outbox`);
    }
  }

  /**
   * One statement for the whole batch, whatever its size (see the lock's note above for the
   * order of positions and of locks). Returned in array order.
   * @throws InputError when an id is not a uuid; ConflictError when an id is already stored or
   *   is in the batch twice (nothing of the batch is stored then)
   */
  async appendMany(events: readonly LifecycleEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    assertEventIds(events, 'events/');
    const seen = new Set<string>();
    for (const event of events) {
      const id = event.id.toLowerCase();
      if (seen.has(id)) throw new ConflictError(`event ${event.id} is in the batch twice`);
      seen.add(id);
    }
    let rows: EventRow[];
    try {
      rows = await this.db.rows<EventRow>(this.sql.appendMany, [
        JSON.stringify(
          events.map((event, ord) => ({
            ord,
            id: event.id,
            tenant_id: event.tenantId,
            integration_id: event.integrationId,
            type: event.type,
            occurred_at: event.occurredAt,
            payload: event.payload,
          })),
        ),
      ]);
    } catch (error) {
      throw translateAppendError(
        error,
        `an event of the batch is already in the outbox (ids ${idList(events)}); nothing of it was stored`,
      );
    }
    const stored = new Map(rows.map((row) => [row.id, toStoredEvent(row)]));
    return events.map((event) => {
      const row = stored.get(event.id.toLowerCase());
      if (row === undefined)
        throw new Error(`INSERT ... RETURNING did not return event ${event.id}`);
      return row;
    });
  }

  async listAfter(
    tenantId: string,
    afterEventId: string | undefined,
    limit: number,
  ): Promise<StoredEvent[]> {
    assertLimit(limit);
    let after = '0';
    if (afterEventId !== undefined) {
      const [row] = isUuid(afterEventId)
        ? await this.db.rows<{ position: string }>(this.sql.positionOf, [afterEventId, tenantId])
        : [];
      if (row === undefined) {
        throw new InputError(`no event ${afterEventId} in this feed`, [
          { path: '/after', message: 'must be the id of an event this feed returned' },
        ]);
      }
      after = row.position;
    }
    const rows = await this.db.rows<EventRow>(this.sql.listAfter, [tenantId, after, limit]);
    return rows.map(toStoredEvent);
  }

  async listUnpublished(limit: number): Promise<StoredEvent[]> {
    assertLimit(limit);
    const rows = await this.db.rows<EventRow>(this.sql.listUnpublished, [limit]);
    return rows.map(toStoredEvent);
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return;
    await this.db.rows(this.sql.markPublished, [valid]);
  }

  async pending(): Promise<{ readonly count: number; readonly oldestSeconds: number }> {
    const [row] = await this.db.rows<{ count: number; oldest_seconds: number }>(
      this.sql.pending,
      [],
    );
    if (row === undefined) throw new Error('the outbox backlog query returned no row');
    return { count: row.count, oldestSeconds: row.oldest_seconds };
  }

  /**
   * Published events leave the feed too: a reader whose last seen event was pruned gets the
   * InputError of an unknown `after`. Keep them longer than readers may lag.
   * @throws InputError for a negative age or a limit below one
   */
  async prunePublished(olderThanSeconds: number, limit: number): Promise<number> {
    assertNumber('olderThanSeconds', olderThanSeconds, { min: 0, integer: false });
    assertLimit(limit);
    const [row] = await this.db.rows<{ count: number }>(this.sql.prunePublished, [
      olderThanSeconds,
      limit,
    ]);
    return row?.count ?? 0;
  }
}

/** The uuid checks of append, with the field paths of each event (`events/3/id`). */
function assertEventIds(events: readonly LifecycleEvent[], prefix: string): void {
  const errors = events.flatMap((event, index) => {
    const at = prefix === '' ? '' : `${prefix}${index}/`;
    return [
      ...(isUuid(event.id) ? [] : [{ path: `/${at}id`, message: 'must be a uuid' }]),
      ...(isUuid(event.integrationId)
        ? []
        : [{ path: `/${at}integrationId`, message: 'must be a uuid' }]),
    ];
  });
  if (errors.length > 0) {
    throw new InputError('an event id and its integration id must be uuids', errors);
  }
}

/** The batch's ids for a message: the first ten, and how many more. */
function idList(events: readonly LifecycleEvent[]): string {
  const shown = events.slice(0, 10).map((event) => event.id);
  const more = events.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function translateAppendError(error: unknown, message: string): unknown {
  if (pgErrorOf(error)?.code === PgErrorCodes.UniqueViolation) {
    return new ConflictError(message, { cause: error });
  }
  return error;
}
