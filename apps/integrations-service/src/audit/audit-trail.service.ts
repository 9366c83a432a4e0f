import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntry } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import { integrationNotFound } from '../catalog/integration-id.pipe';

/** The part of the database the audit trail reads (a narrow seam for tests). */
export type AuditDatabase = Pick<Database, 'audit' | 'integrations'>;

/** What a page is asked for: validated by the query DTOs. */
export interface AuditPageQuery {
  readonly limit: number;
  readonly after?: string;
  /** The start of the action names to list, e.g. `secret.`. */
  readonly action?: string;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: readonly AuditEntry[];
  /** Whether older entries follow (the last entry's id is then the next page's `after`). */
  readonly more: boolean;
}

/**
 * Reads the audit trail: everything the catalog, the checks and the secrets module recorded
 * about a tenant's registrations, newest first, by keyset pages.
 */
@Injectable()
export class AuditTrailService {
  constructor(@Inject(Database) private readonly database: AuditDatabase) {}

  /** The tenant's trail, or one registration's (also of one deleted since, or never saved). */
  list(tenantId: string, query: AuditPageQuery & { integrationId?: string }): Promise<AuditPage> {
    return this.page(tenantId, query, query.integrationId);
  }

  /**
   * The trail of a registration that exists in the tenant: another tenant's, a deleted or a
   * missing one is answered as not found.
   */
  async listForIntegration(
    tenantId: string,
    integrationId: string,
    query: AuditPageQuery,
  ): Promise<AuditPage> {
    const integration = await this.database.integrations.findById(tenantId, integrationId);
    if (integration === null) throw integrationNotFound();
    return this.page(tenantId, query, integrationId);
  }

  private async page(
    tenantId: string,
    query: AuditPageQuery,
    integrationId: string | undefined,
  ): Promise<AuditPage> {
    // One more than asked for tells whether another page follows, without a count.
    const entries = await this.database.audit.list(tenantId, query.limit + 1, {
      ...(integrationId === undefined ? {} : { integrationId }),
      ...(query.action === undefined ? {} : { actionPrefix: query.action }),
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    return { entries: entries.slice(0, query.limit), more: entries.length > query.limit };
  }
}
