import type { HealthStatus } from '@stellaops/integrations-core';
import { isUuid, NotFoundError } from '@stellaops/integrations-core';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import type {
  AvailabilityWindow,
  HealthHistoryEntry,
  HealthHistoryRepository,
  HealthHistoryRetention,
  NewHealthHistoryEntry,
} from './health-history-repository';
import { assertLimit } from './assert-limit';
import { assertNumber } from './assert-number';

interface HealthHistoryRow {
  id: string;
  tenant_id: string;
  integration_id: string;
  status: string;
  success: boolean;
  phase: string | null;
  is_transient: boolean;
  message: string;
  duration_ms: number;
  checked_at: string;
  details: Record<string, unknown>;
}

/**
 * A hundred years: `now()` minus a longer span can leave timestamptz's range, an error that
 * would name neither the argument nor the value.
 */
const MAX_WINDOW_SECONDS = 100 * 366 * 24 * 3600;

interface AvailabilityRow {
  window_seconds: number;
  up_seconds: number;
  down_seconds: number;
  checks: number;
}

interface HealthHistoryStatements {
  readonly append: string;
  readonly prune: string;
  readonly list: string;
  readonly availability: string;
  readonly pruneByAge: string;
  readonly pruneByAgeAndCount: string;
}

function buildStatements(tables: TableNames): HealthHistoryStatements {
  const t = tables.healthHistory;
  return {
    // Through the registration's row, so that an entry can only be filed under its own tenant.
    append: `INSERT INTO ${t} ("tenant_id", "integration_id", "status", "success", "phase",
        "is_transient", "message", "duration_ms", "checked_at", "details")
      SELECT i."tenant_id", i."id", $3, $4::boolean, $5, $6::boolean, $7, $8, $9::timestamptz, $10::jsonb
      FROM ${tables.integrations} AS i WHERE i."id" = $1 AND i."tenant_id" = $2
      RETURNING "id"::text AS "id"`,
    prune: `DELETE FROM ${t} WHERE "integration_id" = $1 AND "id" IN (
        SELECT "id" FROM ${t} WHERE "integration_id" = $1
        ORDER BY "checked_at" DESC, "id" DESC OFFSET $2)`,
    // Sorted by h."id", the bigint, not by the text "id" this query outputs.
    list: `SELECT h."id"::text AS "id", h."tenant_id", h."integration_id", h."status", h."success",
        h."phase", h."is_transient", h."message", h."duration_ms", h."checked_at", h."details"
      FROM ${t} AS h WHERE h."integration_id" = $1 AND h."tenant_id" = $2
      ORDER BY h."checked_at" DESC, h."id" DESC LIMIT $3`,
    // $1 integration, $2 tenant, $3 the windows' lengths in seconds. The entries read are those
    // since the start of the largest window and the last one before it (the state the largest
    // window opens in), both on ix_health_history_integration. Each entry's status holds from its
    // checked_at until the next entry's (ties by id, as the listing orders them), the last one
    // until now; each span is clipped to each window it overlaps. An entry checked after now (a
    // writer's clock ahead of the database's) covers nothing and only ends its predecessor's
    // span, at now. "checks" counts the entries checked inside the window.
    availability: `WITH "windows" AS (
        SELECT w."seconds", w."ord", now() - make_interval(secs => w."seconds") AS "starts"
        FROM unnest($3::float8[]) WITH ORDINALITY AS w("seconds", "ord")
      ),
      "entries" AS (
        (SELECT e."id", e."status", e."checked_at" FROM ${t} AS e
          WHERE e."integration_id" = $1 AND e."tenant_id" = $2
            AND e."checked_at" >= (SELECT min("starts") FROM "windows"))
        UNION ALL
        (SELECT e."id", e."status", e."checked_at" FROM ${t} AS e
          WHERE e."integration_id" = $1 AND e."tenant_id" = $2
            AND e."checked_at" < (SELECT min("starts") FROM "windows")
          ORDER BY e."checked_at" DESC, e."id" DESC LIMIT 1)
      ),
      "spans" AS (
        SELECT e."status", e."checked_at" AS "since",
          COALESCE(lead(e."checked_at") OVER (ORDER BY e."checked_at", e."id"), now()) AS "until"
        FROM "entries" AS e
      ),
      "covered" AS (
        SELECT w."ord", w."seconds", w."starts", s."status", s."since",
          EXTRACT(EPOCH FROM GREATEST(interval '0',
            LEAST(s."until", now()) - GREATEST(s."since", w."starts"))) AS "seconds_covered"
        FROM "windows" AS w
        LEFT JOIN "spans" AS s ON s."since" <= now() AND s."until" >= w."starts"
      )
      SELECT c."seconds" AS "window_seconds",
        COALESCE(sum(c."seconds_covered") FILTER (
          WHERE c."status" IN ('healthy', 'degraded')), 0)::float8 AS "up_seconds",
        COALESCE(sum(c."seconds_covered") FILTER (WHERE c."status" = 'unhealthy'), 0)::float8
          AS "down_seconds",
        count(*) FILTER (WHERE c."since" >= c."starts")::integer AS "checks"
      FROM "covered" AS c
      GROUP BY c."ord", c."seconds"
      ORDER BY c."ord"`,
    // $1 the age bound in seconds, $2 the batch: the entries older than the bound, oldest first
    // on ix_health_history_checked_at.
    pruneByAge: pruneStatement(
      t,
      `SELECT e."id" FROM ${t} AS e
        WHERE e."checked_at" < now() - make_interval(secs => $1::float8)
        ORDER BY e."checked_at" LIMIT $2`,
    ),
    // $1 the age bound, $2 the batch, $3 the entries kept per registration. The old ones first,
    // then those beyond the newest $3 of a registration among the ones not that old (the same
    // set as among all of them: every entry newer than a young one is young), so the two parts
    // never name one entry twice and the count is what was removed. The second part walks each
    // registration's newest entries on ix_health_history_integration and takes the rest oldest
    // first, so that a batch that ends inside a registration leaves its newest entries without
    // a gap; the batch's LIMIT stops the walk, and keeps it from starting when the first part
    // filled the batch.
    pruneByAgeAndCount: pruneStatement(
      t,
      `(SELECT e."id" FROM ${t} AS e
          WHERE e."checked_at" < now() - make_interval(secs => $1::float8)
          ORDER BY e."checked_at" LIMIT $2)
        UNION ALL
        (SELECT x."id" FROM ${tables.integrations} AS i
          CROSS JOIN LATERAL (
            SELECT y."id" FROM (
              SELECT e."id", e."checked_at" FROM ${t} AS e
              WHERE e."integration_id" = i."id"
                AND e."checked_at" >= now() - make_interval(secs => $1::float8)
              ORDER BY e."checked_at" DESC, e."id" DESC OFFSET $3
            ) AS y
            ORDER BY y."checked_at", y."id"
          ) AS x)`,
    ),
  };
}

/** Deletes up to $2 of the ids `doomed` selects; answers how many it deleted. */
function pruneStatement(table: string, doomed: string): string {
  return `WITH "pruned" AS (
      DELETE FROM ${table} WHERE "id" IN (SELECT d."id" FROM (${doomed}) AS d LIMIT $2)
      RETURNING 1
    )
    SELECT count(*)::integer AS "count" FROM "pruned"`;
}

const statementsFor = perSchema(buildStatements);

function toEntry(row: HealthHistoryRow): HealthHistoryEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    integrationId: row.integration_id,
    status: row.status as HealthStatus,
    success: row.success,
    phase: row.phase,
    isTransient: row.is_transient,
    message: row.message,
    durationMs: row.duration_ms,
    checkedAt: toIso(row.checked_at),
    details: row.details,
  };
}

export class SqlHealthHistoryRepository implements HealthHistoryRepository {
  private readonly sql: HealthHistoryStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
    private readonly limit: number,
  ) {
    this.sql = statementsFor(tables);
  }

  async append(entry: NewHealthHistoryEntry): Promise<void> {
    const missing = new NotFoundError(`integration ${entry.integrationId} does not exist`);
    if (!isUuid(entry.integrationId)) throw missing;
    const inserted = await this.db.rows(this.sql.append, [
      entry.integrationId,
      entry.tenantId,
      entry.status,
      entry.success,
      entry.phase,
      entry.isTransient,
      entry.message,
      Math.max(0, Math.round(entry.durationMs)),
      entry.checkedAt,
      JSON.stringify(entry.details),
    ]);
    if (inserted.length === 0) throw missing;
    await this.db.rows(this.sql.prune, [entry.integrationId, this.limit]);
  }

  async list(
    tenantId: string,
    integrationId: string,
    limit: number,
  ): Promise<HealthHistoryEntry[]> {
    assertLimit(limit);
    if (!isUuid(integrationId)) return [];
    const rows = await this.db.rows<HealthHistoryRow>(this.sql.list, [
      integrationId,
      tenantId,
      limit,
    ]);
    return rows.map(toEntry);
  }

  /**
   * One statement for all the windows. Another tenant's or a missing registration has no
   * entries: every window answers null.
   * @throws InputError for a window that is not a positive number of seconds
   */
  async availability(
    tenantId: string,
    integrationId: string,
    windowsSeconds: readonly number[],
  ): Promise<AvailabilityWindow[]> {
    windowsSeconds.forEach((seconds, index) =>
      assertNumber(`windowsSeconds/${index}`, seconds, {
        min: Number.MIN_VALUE,
        max: MAX_WINDOW_SECONDS,
        integer: false,
      }),
    );
    if (windowsSeconds.length === 0) return [];
    const rows = isUuid(integrationId)
      ? await this.db.rows<AvailabilityRow>(this.sql.availability, [
          integrationId,
          tenantId,
          windowsSeconds,
        ])
      : windowsSeconds.map((seconds) => ({
          window_seconds: seconds,
          up_seconds: 0,
          down_seconds: 0,
          checks: 0,
        }));
    return rows.map((row) => {
      const known = row.up_seconds + row.down_seconds;
      return {
        windowSeconds: row.window_seconds,
        availability: known > 0 ? row.up_seconds / known : null,
        checks: row.checks,
        upSeconds: row.up_seconds,
        downSeconds: row.down_seconds,
        unknownSeconds: Math.max(0, row.window_seconds - known),
      };
    });
  }

  /**
   * Up to `batchLimit` entries in one statement, the age bound's first (oldest first), then the
   * count's. `append` and the poller keep every registration to the database's
   * `healthHistoryLimit` as they write, so the count is looked at only when `maxEntries` is
   * below that: then every registration's newest `maxEntries` are walked, and a call that
   * finds less than a batch has walked them all. Configure the two alike to keep prune to the
   * age bound's index.
   * @throws InputError for bounds or a batch that are not positive
   */
  async prune(retention: HealthHistoryRetention, batchLimit: number): Promise<number> {
    assertNumber('maxEntries', retention.maxEntries, { min: 1 });
    assertNumber('maxAgeSeconds', retention.maxAgeSeconds, {
      min: 0,
      max: MAX_WINDOW_SECONDS,
      integer: false,
    });
    assertNumber('batchLimit', batchLimit, { min: 1 });
    const [row] =
      retention.maxEntries < this.limit
        ? await this.db.rows<{ count: number }>(this.sql.pruneByAgeAndCount, [
            retention.maxAgeSeconds,
            batchLimit,
            retention.maxEntries,
          ])
        : await this.db.rows<{ count: number }>(this.sql.pruneByAge, [
            retention.maxAgeSeconds,
            batchLimit,
          ]);
    return row?.count ?? 0;
  }
}
