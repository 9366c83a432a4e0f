import type { AuditStatements } from '../repositories/sql-audit-log-repository';
import { buildAuditStatements } from '../repositories/sql-audit-log-repository';
import type { OutboxStatements } from '../repositories/sql-event-outbox-repository';
import { buildOutboxStatements } from '../repositories/sql-event-outbox-repository';
import type { HealthPollStatements } from '../repositories/sql-health-poll-repository';
import { buildHealthPollStatements } from '../repositories/sql-health-poll-repository';
import type { IntegrationStatements } from '../repositories/sql-integration-repository';
import { buildIntegrationStatements } from '../repositories/sql-integration-repository';
import type { LeaseStatements } from '../repositories/sql-lease-repository';
import { buildLeaseStatements } from '../repositories/sql-lease-repository';
import { tableNames } from './sql-identifiers';

export interface SqlStatements {
  readonly integrations: IntegrationStatements;
  readonly outbox: OutboxStatements;
  readonly audit: AuditStatements;
  readonly polls: HealthPollStatements;
  readonly leases: LeaseStatements;
}

/**
 * The exact SQL the repositories send for tables in `schema`, for tools that must run the same
 * statements without the library around them (the API benchmark's bare baseline server).
 */
export function sqlStatements(schema = 'public'): SqlStatements {
  const tables = tableNames(schema);
  return {
    integrations: buildIntegrationStatements(tables),
    outbox: buildOutboxStatements(tables),
    audit: buildAuditStatements(tables),
    polls: buildHealthPollStatements(tables),
    leases: buildLeaseStatements(tables),
  };
}
