const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Checks a PostgreSQL schema name. Names are limited to plain identifiers so that they can be
 * quoted into SQL built once, and so that a typo fails at start rather than in a query.
 */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `schema "${schema}" is not a plain identifier: use 1-63 letters, digits or underscores, not starting with a digit`,
    );
  }
  return schema;
}

export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** The catalog's tables, qualified with their schema and quoted, ready to go into SQL text. */
export interface TableNames {
  readonly schema: string;
  readonly integrations: string;
  /** Each live registration's tags, one row a tag, in listing order (kept by triggers). */
  readonly integrationTags: string;
  readonly healthHistory: string;
  readonly eventOutbox: string;
  readonly auditLog: string;
  /** Named singleton leases (the outbox relay's). */
  readonly leases: string;
  /**
   * The sequence of fencing tokens: every poll claim of a registration and every takeover of a
   * named lease takes the next value, so a token never repeats and a newer claim's is larger.
   */
  readonly leaseTokens: string;
}

export const TABLES = {
  integrations: 'integrations',
  integrationTags: 'integration_tags',
  healthHistory: 'health_history',
  eventOutbox: 'event_outbox',
  auditLog: 'audit_log',
  leases: 'leases',
  leaseTokens: 'lease_tokens',
} as const;

export const MIGRATIONS_TABLE = 'integrations_migrations';

export function tableNames(schema: string): TableNames {
  const qualify = (table: string): string => `${quoteIdent(schema)}.${quoteIdent(table)}`;
  return {
    schema: quoteIdent(schema),
    integrations: qualify(TABLES.integrations),
    integrationTags: qualify(TABLES.integrationTags),
    healthHistory: qualify(TABLES.healthHistory),
    eventOutbox: qualify(TABLES.eventOutbox),
    auditLog: qualify(TABLES.auditLog),
    leases: qualify(TABLES.leases),
    leaseTokens: qualify(TABLES.leaseTokens),
  };
}
