import { InputError, isUuid } from '@stellaops/integrations-core';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import type {
  AuditEntry,
  AuditListOptions,
  AuditLogRepository,
  NewAuditEntry,
} from './audit-log-repository';
import { assertLimit } from './assert-limit';

interface AuditRow {
  id: string;
  tenant_id: string;
  occurred_at: string;
  actor: string;
  action: string;
  integration_id: string | null;
  details: Record<string, unknown>;
}

export interface AuditStatements {
  readonly record: string;
  readonly list: string;
}

export function buildAuditStatements(tables: TableNames): AuditStatements {
  const t = tables.auditLog;
  return {
    record: `INSERT INTO ${t} ("tenant_id", "actor", "action", "integration_id", "details")
      VALUES ($1, $2, $3, $4::uuid, $5::jsonb)`,
    // Sorted by a."id", the bigint, not by the text "id" this query outputs.
    list: `SELECT a."id"::text AS "id", a."tenant_id", a."occurred_at", a."actor", a."action",
        a."integration_id", a."details"
      FROM ${t} AS a WHERE a."tenant_id" = $1 AND ($3::uuid IS NULL OR a."integration_id" = $3::uuid)
      ORDER BY a."id" DESC LIMIT $2`,
  };
}

const statementsFor = perSchema(buildAuditStatements);

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    occurredAt: toIso(row.occurred_at),
    actor: row.actor,
    action: row.action,
    integrationId: row.integration_id,
    details: row.details,
  };
}

export class SqlAuditLogRepository implements AuditLogRepository {
  private readonly sql: AuditStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
  ) {
    this.sql = statementsFor(tables);
  }

  async record(entry: NewAuditEntry): Promise<void> {
    const integrationId = entry.integrationId ?? null;
    if (integrationId !== null && !isUuid(integrationId)) {
      throw new InputError('an audited integration id must be a uuid', [
        { path: '/integrationId', message: 'must be a uuid' },
      ]);
    }
    await this.db.rows(this.sql.record, [
      entry.tenantId,
      entry.actor,
      entry.action,
      integrationId,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  async list(
    tenantId: string,
    limit: number,
    options: AuditListOptions = {},
  ): Promise<AuditEntry[]> {
    assertLimit(limit);
    const { integrationId } = options;
    if (integrationId !== undefined && !isUuid(integrationId)) return [];
    const rows = await this.db.rows<AuditRow>(this.sql.list, [
      tenantId,
      limit,
      integrationId ?? null,
    ]);
    return rows.map(toEntry);
  }
}
