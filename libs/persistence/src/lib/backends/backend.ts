import type { DataSource } from 'typeorm';

export type DatabaseKind = 'postgres' | 'pglite';

/** What differs between PostgreSQL and embedded PGlite, behind one shape. */
export interface Backend {
  readonly kind: DatabaseKind;
  readonly dataSource: DataSource;
  /** Runs `fn` while no other process runs migrations against the same schema. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
