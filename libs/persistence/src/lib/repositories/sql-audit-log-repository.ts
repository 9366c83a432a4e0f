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
  readonly listForIntegration: string;
}

/** Above every id: the start of a listing without a cursor. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

export function buildAuditStatements(tables: TableNames): AuditStatements {
  const t = tables.auditLog;
  const columns = `a."id"::text AS "id", a."tenant_id", a."occurred_at", a."actor", a."action",
        a."integration_id", a."details"`;
  // Keyset pages, newest first: ix_audit_log_tenant ("tenant_id", "id") serves the tenant's
  // listing and ix_audit_log_integration ("integration_id", "id") one registration's, each read
  // backwards from the cursor. starts_with, not LIKE: an action's '_' is no wildcard. Sorted by
  // a."id", the bigint, not by the text "id" this query outputs.
  const page = `AND a."id" < $2::bigint AND starts_with(a."action", $3)
      ORDER BY a."id" DESC LIMIT $4`;
  return {
    record: `INSERT INTO ${t} ("tenant_id", "actor", "action", "integration_id", "details")
      VALUES ($1, $2, $3, $4::uuid, $5::jsonb)`,
    list: `SELECT ${columns} FROM ${t} AS a WHERE a."tenant_id" = $1 ${page}`,
    listForIntegration: `SELECT ${columns} FROM ${t} AS a
      WHERE a."integration_id" = $5::uuid AND a."tenant_id" = $1 ${page}`,
  };
}

/** The position a page starts below: the cursor's id, or above every id. */
function startBelow(after: string | undefined): string {
  if (after === undefined) return BIGINT_MAX.toString();
  if (!/^[0-9]{1,19}$/.test(after) || BigInt(after) > BIGINT_MAX) {
    throw new InputError('after is not the id of an audit entry', [
      { path: '/after', message: "must be the id of an audit entry (a page's nextAfter)" },
    ]);
  }
  return after;
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
    const { integrationId, actionPrefix = '', after } = options;
    const below = startBelow(after);
    if (integrationId !== undefined && !isUuid(integrationId)) return [];
    const params: unknown[] = [tenantId, below, actionPrefix, limit];
    const rows =
      integrationId === undefined
        ? await this.db.rows<AuditRow>(this.sql.list, params)
        : await this.db.rows<AuditRow>(this.sql.listForIntegration, [...params, integrationId]);
    return rows.map(toEntry);
  }
}
