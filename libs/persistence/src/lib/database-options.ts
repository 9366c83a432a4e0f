/** Where the library reports what it did: opening, migrations applied, a stale lock taken over. */
export interface DatabaseLogger {
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
}

/** In-memory PGlite: nothing is kept, nothing is locked. For tests and throw-away runs. */
export const IN_MEMORY_DATA_DIR = 'memory://';

export interface DatabaseOptions {
  /** A postgres:// URL. Without it, the catalog runs on embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /**
   * The data folder (default `./.data`): PGlite's cluster lives in `<dataDir>/pglite` and the
   * folder is locked to one process through `<dataDir>/.lock`. `memory://` runs PGlite in memory.
   * Ignored with `databaseUrl`.
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
   * with AES-256-GCM. Without it the map is stored as plain jsonb.
   */
  readonly encryptionKey?: string | undefined;
  /** PostgreSQL connections per replica (default 10). PGlite always has exactly one. */
  readonly poolSize?: number | undefined;
  /** How long to wait for a PostgreSQL connection (default 5000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  readonly logger?: DatabaseLogger | undefined;
}

export const DEFAULT_DATA_DIR = './.data';
export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_HEALTH_HISTORY_LIMIT = 100;
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
