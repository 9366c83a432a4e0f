import type { DataSource } from 'typeorm';

/** `postgres`: a server named by DATABASE_URL; `embedded`: the data folder's own server. */
export type DatabaseKind = 'postgres' | 'embedded';

export interface Backend {
  readonly kind: DatabaseKind;
  readonly dataSource: DataSource;
  /**
   * Runs `fn` while no other process runs migrations against the same schema, with a data
   * source for the migrations (its statements are not time-bounded).
   */
  withMigrationLock<T>(fn: (migrations: DataSource) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
