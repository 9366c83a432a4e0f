import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Database } from '../database';
import type { DatabaseOptions } from '../database-options';
import { quoteIdent } from '../sql/sql-identifiers';
import type { TestDatabaseServer } from './test-database-server';
import { testDatabaseServer } from './test-database-server';

/** A database of its own for one test (or one suite), removed by `dispose`. */
export interface TestDatabase {
  readonly db: Database;
  /** Where it runs: TEST_DATABASE_URL's server, or the test process's embedded one. */
  readonly kind: TestDatabaseServer['kind'];
  /** The server's URL; the tables are in `schema`. */
  readonly url: string;
  readonly schema: string;
  /** Closes the database and drops what it created. Idempotent. */
  dispose(): Promise<void>;
}

export type TestDatabaseOptions = Pick<
  DatabaseOptions,
  | 'healthHistoryLimit'
  | 'encryptionKey'
  | 'logger'
  | 'poolSize'
  | 'connectTimeoutMs'
  | 'statementTimeoutMs'
  | 'queryTimeoutMs'
>;

/** A fresh, migrated database: a new schema with a random name, which `dispose` drops. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = await testDatabaseServer();
  const schema = `test_${randomBytes(8).toString('hex')}`;
  const db = await Database.open({ poolSize: 4, ...options, databaseUrl: server.url, schema });
  let disposed: Promise<void> | undefined;
  return {
    db,
    kind: server.kind,
    url: server.url,
    schema,
    dispose: () => {
      disposed ??= (async () => {
        await db.close();
        await dropSchema(server.url, schema);
      })();
      return disposed;
    },
  };
}

/** Drops a schema made for a test, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
