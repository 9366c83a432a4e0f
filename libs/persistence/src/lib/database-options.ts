import type { KeyringOptions } from './credentials-keyring';

/** Where the library reports what it did: opening, migrations applied, a stale lock taken over. */
export interface DatabaseLogger {
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
}

/** An embedded database in a temporary folder that closing removes. For throw-away runs. */
export const IN_MEMORY_DATA_DIR = 'memory://';

export interface DatabaseOptions {
  /** A postgres:// URL. Without it, the catalog runs on an embedded PostgreSQL in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /**
   * The data folder (default `./.data`): the embedded PostgreSQL cluster lives in
   * `<dataDir>/postgres`, its socket in `<dataDir>/run`, and the folder is locked to one process
   * through `<dataDir>/.lock`. `memory://` uses a temporary folder. Ignored with `databaseUrl`.
   */
  readonly dataDir?: string | undefined;
  /** The PostgreSQL schema of the catalog's tables (created if missing); default `public`. */
  readonly schema?: string | undefined;
  /** Apply pending migrations while opening (default true). */
  readonly migrationsRun?: boolean | undefined;
  /** Health history rows kept per integration (default 100). */
  readonly healthHistoryLimit?: number | undefined;
  /**
   * 32 bytes, base64 or hex: encrypts each integration's credential map (AuthRef URIs) at rest
   * with AES-256-GCM. The same as a `keyring` of this one key, its id the key's fingerprint.
   * Without it (and without `keyring`) the map is stored as plain jsonb.
   */
  readonly encryptionKey?: string | undefined;
  /**
   * The keys that encrypt credentials at rest (instead of `encryptionKey`, not with it): new
   * values are sealed with `activeKeyId`; every key of the ring opens what it sealed, and a key
   * also opens what was sealed under its fingerprint (a single `encryptionKey`'s rows).
   * `Database.credentialsRotation` moves rows onto the active key.
   */
  readonly keyring?: KeyringOptions | undefined;
  /** PostgreSQL connections per replica (default 10). */
  readonly poolSize?: number | undefined;
  /** How long to wait to open a connection or get one from the pool (default 5000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** The server cancels a statement that runs longer (default 5000 ms; migrations are exempt). */
  readonly statementTimeoutMs?: number | undefined;
  /**
   * The client stops waiting for an answer after this long (default 7000 ms): what bounds a call
   * when the server cannot be reached at all. Keep it above `statementTimeoutMs`.
   */
  readonly queryTimeoutMs?: number | undefined;
  readonly logger?: DatabaseLogger | undefined;
}

export const DEFAULT_DATA_DIR = './.data';
export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_HEALTH_HISTORY_LIMIT = 100;
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
export const DEFAULT_QUERY_TIMEOUT_MS = 7000;
