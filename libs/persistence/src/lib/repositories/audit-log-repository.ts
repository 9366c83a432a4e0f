export interface NewAuditEntry {
  readonly tenantId: string;
  /** The subject of the request, or the service component acting on its own. */
  readonly actor: string;
  /** e.g. `integration.update`, `secret.resolve`. */
  readonly action: string;
  readonly integrationId?: string | null;
  /** Never a secret value. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry {
  readonly id: string;
  readonly tenantId: string;
  /** UTC ISO-8601. */
  readonly occurredAt: string;
  readonly actor: string;
  readonly action: string;
  readonly integrationId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditListOptions {
  /** Only the entries about this registration. */
  readonly integrationId?: string;
}

export interface AuditLogRepository {
  record(entry: NewAuditEntry): Promise<void>;
  /** Newest first. */
  list(tenantId: string, limit: number, options?: AuditListOptions): Promise<AuditEntry[]>;
}
