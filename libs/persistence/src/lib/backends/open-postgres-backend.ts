import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { DatabaseLogger } from '../database-options';
import type { Backend } from './backend';
import { BoundedPgClient } from './bounded-pg-client';
import { pgTypes } from '../sql/timestamps';
import { commonDataSourceOptions } from './data-source-options';

/** Where to connect: a postgres:// URL, or the parts (a Unix socket folder as `host`). */
export type PostgresConnection =
  | { readonly url: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly database: string;
    };

/**
 * Bounds on every wait, so that a database that stops answering (a network partition drops
 * packets: nothing is refused, nothing resets) turns into an error the API can answer, never a
 * request that hangs.
 */
export interface PostgresTimeouts {
  /** Opening a connection, and waiting for a free one in the pool. */
  readonly connectMs: number;
  /** The server cancels a statement running longer (statement_timeout). */
  readonly statementMs: number;
  /**
   * The client gives up on an answer after this long (pg's query_timeout): the only bound that
   * holds when the server cannot be reached at all. Longer than `statementMs`, so that a slow
   * statement is cancelled by the server first.
   */
  readonly queryMs: number;
}

export interface PostgresBackendOptions {
  readonly connection: PostgresConnection;
  readonly schema: string;
  readonly poolSize: number;
  readonly timeouts: PostgresTimeouts;
  readonly logger: DatabaseLogger | undefined;
}

function migrationLockKey(schema: string): string {
  const digest = createHash('sha256')
    .update(`stellaops-integrations:migrations:${schema}`)
    .digest();
  return digest.readBigInt64BE(0).toString();
}

function connectionOptions(connection: PostgresConnection) {
  return 'url' in connection
    ? { url: connection.url }
    : {
        host: connection.host,
        port: connection.port,
        username: connection.user,
        database: connection.database,
      };
}

function dataSourceFor(
  options: PostgresBackendOptions,
  poolSize: number,
  timeouts: PostgresTimeouts | undefined,
): DataSource {
  const serverOptions = ['-c TimeZone=UTC'];
  if (timeouts !== undefined) serverOptions.push(`-c statement_timeout=${timeouts.statementMs}`);
  return new DataSource({
    ...commonDataSourceOptions(options.schema),
    ...connectionOptions(options.connection),
    poolSize,
    connectTimeoutMS: options.timeouts.connectMs,
    applicationName: 'stellaops-integrations',
    // UTC sessions, and timestamps read as ISO strings (see pgTypes).
    extra: {
      options: serverOptions.join(' '),
      types: pgTypes,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(timeouts === undefined
        ? {}
        : { query_timeout: timeouts.queryMs, Client: BoundedPgClient }),
    },
    // An idle connection that breaks is dropped by the pool; say so rather than crash.
    poolErrorHandler: (error: unknown) =>
      options.logger?.warn('a pooled PostgreSQL connection failed', {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
}

/**
 * A pooled connection to PostgreSQL; replicas serialize their migration runs on an advisory lock.
 * Migrations run on a connection of their own without the statement bounds: building an index
 * over a large catalog may rightly take minutes.
 */
export async function openPostgresBackend(options: PostgresBackendOptions): Promise<Backend> {
  const dataSource = dataSourceFor(options, options.poolSize, options.timeouts);
  await dataSource.initialize();
  const lockKey = migrationLockKey(options.schema);
  return {
    kind: 'postgres',
    dataSource,
    async withMigrationLock<T>(fn: (migrations: DataSource) => Promise<T>): Promise<T> {
      // Two connections: one holds the advisory lock, the other runs the migrations.
      const migrations = dataSourceFor(options, 2, undefined);
      await migrations.initialize();
      try {
        const runner = migrations.createQueryRunner();
        try {
          await runner.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
          try {
            return await fn(migrations);
          } finally {
            await runner.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
          }
        } finally {
          await runner.release();
        }
      } finally {
        await migrations.destroy();
      }
    },
    close: () => dataSource.destroy(),
  };
}
