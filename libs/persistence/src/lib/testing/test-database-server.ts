import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../embedded/embedded-postgres';
import { prepareServerDir, serverAccount } from '../embedded/server-account';
import { isProcessAlive } from '../is-process-alive';

export const TEST_DATABASE_URL_ENV = 'TEST_DATABASE_URL';
export const REQUIRE_POSTGRES_ENV = 'REQUIRE_POSTGRES';

/** Where test databases are made: a PostgreSQL server, and which kind it is. */
export interface TestDatabaseServer {
  readonly kind: 'postgres' | 'embedded';
  readonly url: string;
}

const FOLDER_PREFIX = 'stellaops-test-pg-';
const OWNER_FILE = 'owner.pid';
let shared: Promise<TestDatabaseServer> | undefined;

function configuredUrl(): string | undefined {
  const url = process.env[TEST_DATABASE_URL_ENV];
  return url === undefined || url.trim() === '' ? undefined : url;
}

/** Folders of test servers whose processes are gone (their servers stopped with them). */
function removeAbandonedFolders(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(FOLDER_PREFIX)) continue;
    const folder = path.join(os.tmpdir(), name);
    try {
      const owner = Number.parseInt(fs.readFileSync(path.join(folder, OWNER_FILE), 'utf8'), 10);
      if (Number.isInteger(owner) && isProcessAlive(owner)) continue;
      if (Date.now() - fs.statSync(folder).mtimeMs < 60_000 && !Number.isInteger(owner)) continue;
      fs.rmSync(folder, { recursive: true, force: true });
    } catch {
      // Another process is removing it, or it is not ours to remove.
    }
  }
}

async function startShared(): Promise<TestDatabaseServer> {
  removeAbandonedFolders();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), FOLDER_PREFIX));
  fs.writeFileSync(path.join(folder, OWNER_FILE), String(process.pid));
  fs.chmodSync(folder, 0o755);
  const clusterDir = path.join(folder, 'cluster');
  prepareServerDir(clusterDir, serverAccount());
  const server = await EmbeddedPostgres.start({
    clusterDir,
    socketDir: path.join(folder, 'run'),
  });
  // The server stops with this process (see EmbeddedPostgres); its folder goes at the next start.
  return { kind: 'embedded', url: server.url };
}

/**
 * The PostgreSQL the test helpers make databases in: TEST_DATABASE_URL when it is set (as CI sets
 * it), otherwise one embedded server per test process, started on first use. With
 * REQUIRE_POSTGRES=1 and no TEST_DATABASE_URL this fails, so that a run meant to use a real
 * server cannot pass without one.
 */
export function testDatabaseServer(): Promise<TestDatabaseServer> {
  const url = configuredUrl();
  if (url !== undefined) return Promise.resolve({ kind: 'postgres', url });
  if (process.env[REQUIRE_POSTGRES_ENV] === '1') {
    return Promise.reject(
      new Error(
        `${REQUIRE_POSTGRES_ENV}=1 but ${TEST_DATABASE_URL_ENV} is not set: point it at a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test`,
      ),
    );
  }
  shared ??= startShared().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
