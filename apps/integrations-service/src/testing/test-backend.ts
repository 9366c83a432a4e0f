import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropSchema, testDatabaseServer } from '@stellaops/integrations-persistence/testing';
import { Client } from 'pg';

/**
 * Where an end-to-end test's catalog lives: a fresh schema on the test database server
 * (TEST_DATABASE_URL's, or the test process's embedded one), or — `embedded` — a fresh data
 * folder in which the service starts its own embedded PostgreSQL, as `npm start` does.
 */
export interface TestBackend {
  readonly kind: 'schema' | 'embedded';
  /** Environment for the service: DATABASE_URL + DATABASE_SCHEMA, or DATA_DIR alone. */
  readonly env: Readonly<Record<string, string>>;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

export async function createTestBackend(prefer?: 'embedded'): Promise<TestBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-e2e-'));
  const removeDataDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (prefer === 'embedded') {
    return { kind: 'embedded', env: { DATA_DIR: dataDir }, dataDir, dispose: removeDataDir };
  }
  const { url } = await testDatabaseServer();
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  return {
    kind: 'schema',
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, DATA_DIR: dataDir },
    dataDir,
    dispose: async () => {
      await dropSchema(url, schema);
      await removeDataDir();
    },
  };
}
