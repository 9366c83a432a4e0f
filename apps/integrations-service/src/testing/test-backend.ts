import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/** Where an end-to-end test's catalog lives: a fresh PostgreSQL schema, or a fresh PGlite folder. */
export interface TestBackend {
  readonly kind: 'postgres' | 'pglite';
  /** Environment for the service: DATABASE_URL + DATABASE_SCHEMA, or DATA_DIR alone. */
  readonly env: Readonly<Record<string, string>>;
  readonly dataDir: string;
  dispose(): Promise<void>;
}

/**
 * PostgreSQL when TEST_DATABASE_URL is set (as CI sets it); otherwise embedded PGlite, unless
 * REQUIRE_POSTGRES=1 says PostgreSQL is required, in which case this fails rather than skip.
 */
export async function createTestBackend(prefer?: 'pglite'): Promise<TestBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-e2e-'));
  const url = process.env['TEST_DATABASE_URL'];
  if (prefer !== 'pglite' && (url === undefined || url === '')) {
    if (process.env['REQUIRE_POSTGRES'] === '1') {
      throw new Error('REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set');
    }
  }
  if (prefer === 'pglite' || url === undefined || url === '') {
    return {
      kind: 'pglite',
      env: { DATA_DIR: dataDir },
      dataDir,
      dispose: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, DATA_DIR: dataDir },
    dataDir,
    dispose: async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
