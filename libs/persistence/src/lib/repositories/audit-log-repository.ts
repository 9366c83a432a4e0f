export interface NewAuditEntry {
  readonly tenantId: string;
  /** The subject of the request, or the service component acting on its own. */
  readonly actor: string;
  /** e.g. `integration.update`, `secret.resolved`. */
  readonly action: string;
  readonly integrationId?: string | null;
  /** Never a secret value. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry {
  /** Increases with every entry written (a bigint, as a string): the listing's order and cursor. */
  readonly id: string;
  readonly tenantId: string;
  /** UTC ISO-8601, by the database's clock. */
  readonly occurredAt: string;
  readonly actor: string;
  readonly action: string;
  readonly integrationId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditListOptions {
  /**
   * Only the entries about this registration, whether or not it still exists (a deleted
   * registration's trail stays). An id that is not a uuid names nothing: no entries.
   */
  readonly integrationId?: string;
  /** Only the entries whose action starts with this, e.g. `secret.` (compared as is, no wildcards). */
  readonly actionPrefix?: string;
  /**
   * The id of the last entry already read (the previous page's last): the page continues with the
   * entries written before it. Any entry id works, also one of another tenant or one since removed.
   */
  readonly after?: string;
}

export interface AuditLogRepository {
  record(entry: NewAuditEntry): Promise<void>;
  /**
   * Up to `limit` of the tenant's entries, newest first (by id).
   * @throws InputError when `after` is not an entry id (a positive 64-bit integer)
   */
  list(tenantId: string, limit: number, options?: AuditListOptions): Promise<AuditEntry[]>;
}
