import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { DatabaseLogger } from '../database-options';
import type { Backend } from './backend';
import { pgTypes } from '../sql/timestamps';
import { commonDataSourceOptions } from './data-source-options';

export interface PostgresBackendOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly logger: DatabaseLogger | undefined;
}

function migrationLockKey(schema: string): string {
  const digest = createHash('sha256')
    .update(`stellaops-integrations:migrations:${schema}`)
    .digest();
  return digest.readBigInt64BE(0).toString();
}

/** A pooled connection to PostgreSQL; replicas serialize their migration runs on an advisory lock. */
export async function openPostgresBackend(options: PostgresBackendOptions): Promise<Backend> {
  const dataSource = new DataSource({
    ...commonDataSourceOptions(options.schema),
    url: options.url,
    poolSize: options.poolSize,
    connectTimeoutMS: options.connectTimeoutMs,
    applicationName: 'stellaops-integrations',
    // UTC sessions, and timestamps read as ISO strings (see pgTypes).
    extra: { options: '-c TimeZone=UTC', types: pgTypes },
    // An idle connection that breaks is dropped by the pool; say so rather than crash.
    poolErrorHandler: (error: unknown) =>
      options.logger?.warn('a pooled PostgreSQL connection failed', {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  await dataSource.initialize();
  const lockKey = migrationLockKey(options.schema);
  return {
    kind: 'postgres',
    dataSource,
    async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
      const runner = dataSource.createQueryRunner();
      try {
        await runner.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
        try {
          return await fn();
        } finally {
          await runner.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
        }
      } finally {
        await runner.release();
      }
    },
    close: () => dataSource.destroy(),
  };
}
