import type { HealthStatus } from '@stellaops/integrations-core';
import { isUuid, NotFoundError } from '@stellaops/integrations-core';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import type {
  HealthHistoryEntry,
  HealthHistoryRepository,
  NewHealthHistoryEntry,
} from './health-history-repository';
import { assertLimit } from './assert-limit';

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

interface HealthHistoryStatements {
  readonly append: string;
  readonly prune: string;
  readonly list: string;
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
  };
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
}
