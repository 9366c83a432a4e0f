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
  readonly positionOf: string;
  readonly listAfter: string;
  readonly listUnpublished: string;
  readonly markPublished: string;
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
    positionOf: `SELECT "position"::text AS "position" FROM ${t} WHERE "id" = $1 AND "tenant_id" = $2`,
    listAfter: `SELECT ${COLUMNS} FROM ${t} AS e
      WHERE e."tenant_id" = $1 AND e."position" > $2::bigint ORDER BY e."position" LIMIT $3`,
    listUnpublished: `SELECT ${COLUMNS} FROM ${t} AS e
      WHERE e."published_at" IS NULL ORDER BY e."position" LIMIT $1`,
    markPublished: `UPDATE ${t} SET "published_at" = now()
      WHERE "id" = ANY($1::uuid[]) AND "published_at" IS NULL`,
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
    if (!isUuid(event.id) || !isUuid(event.integrationId)) {
      throw new InputError('an event id and its integration id must be uuids', [
        ...(isUuid(event.id) ? [] : [{ path: '/id', message: 'must be a uuid' }]),
        ...(isUuid(event.integrationId)
          ? []
          : [{ path: '/integrationId', message: 'must be a uuid' }]),
      ]);
    }
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
      if (pgErrorOf(error)?.code === PgErrorCodes.UniqueViolation) {
        throw new ConflictError(`event ${event.id} is already in the outbox`, { cause: error });
      }
      throw error;
    }
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
}
