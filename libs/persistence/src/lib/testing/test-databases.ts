import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseKind } from '../backends/backend';
import { Database } from '../database';
import type { DatabaseOptions } from '../database-options';
import { IN_MEMORY_DATA_DIR } from '../database-options';
import { quoteIdent } from '../sql/sql-identifiers';
import { pgliteTemplate } from './pglite-template';

/** A database of its own for one test (or one suite), removed by `dispose`. */
export interface TestDatabase {
  readonly db: Database;
  readonly kind: DatabaseKind;
  /** The PostgreSQL URL (with `schema`), when it runs on PostgreSQL. */
  readonly url?: string;
  readonly schema?: string;
  /** Closes the database and drops what it created. Idempotent. */
  dispose(): Promise<void>;
}

export type TestDatabaseOptions = Pick<
  DatabaseOptions,
  'healthHistoryLimit' | 'encryptionKey' | 'logger' | 'poolSize'
> & {
  /** Default: `postgres` when TEST_DATABASE_URL is set, otherwise `pglite`. */
  readonly kind?: DatabaseKind;
};

export const TEST_DATABASE_URL_ENV = 'TEST_DATABASE_URL';

function testDatabaseUrl(): string | undefined {
  const url = process.env[TEST_DATABASE_URL_ENV];
  return url === undefined || url.trim() === '' ? undefined : url;
}

/**
 * A fresh, migrated database: an in-memory PGlite cluster, or, on PostgreSQL
 * (TEST_DATABASE_URL), a new schema with a random name that `dispose` drops.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const { kind: requested, ...databaseOptions } = options;
  const url = testDatabaseUrl();
  const kind = requested ?? (url === undefined ? 'pglite' : 'postgres');
  if (kind === 'pglite') {
    const db = await Database.openWith(
      { ...databaseOptions, dataDir: IN_MEMORY_DATA_DIR },
      { pgliteSeed: await pgliteTemplate() },
    );
    return { db, kind, dispose: () => db.close() };
  }
  if (url === undefined) {
    throw new Error(
      `${TEST_DATABASE_URL_ENV} is not set: point it at a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test`,
    );
  }
  const schema = `test_${randomBytes(8).toString('hex')}`;
  const db = await Database.open({ poolSize: 4, ...databaseOptions, databaseUrl: url, schema });
  let disposed: Promise<void> | undefined;
  return {
    db,
    kind,
    url,
    schema,
    dispose: () => {
      disposed ??= (async () => {
        await db.close();
        await dropSchema(url, schema);
      })();
      return disposed;
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
