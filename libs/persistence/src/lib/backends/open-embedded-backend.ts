import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLock } from '../data-dir-lock';
import type { DatabaseLogger } from '../database-options';
import { IN_MEMORY_DATA_DIR } from '../database-options';
import { clusterLocation } from '../embedded/cluster-location';
import { EmbeddedPostgres } from '../embedded/embedded-postgres';
import type { Backend } from './backend';
import type { PostgresTimeouts } from './open-postgres-backend';
import { openPostgresBackend } from './open-postgres-backend';

export interface EmbeddedBackendOptions {
  readonly dataDir: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly timeouts: PostgresTimeouts;
  readonly logger: DatabaseLogger | undefined;
}

/** The folder under the data folder that holds the PostgreSQL cluster. */
export const CLUSTER_SUBDIR = 'postgres';
/** Where the server's Unix socket lives (when the path is short enough for one). */
export const SOCKET_SUBDIR = 'run';
/** Where earlier versions kept their PGlite cluster. */
const LEGACY_PGLITE_SUBDIR = 'pglite';

/**
 * A real PostgreSQL server of the service's own in a locked data folder: the binaries come as npm
 * packages, the server runs while the Database is open and stops when it closes or this process
 * dies. The same SQL, the same concurrent connections and locks as on a PostgreSQL server, so
 * what works embedded works in production. `memory://` runs one in a temporary folder that
 * closing removes.
 */
export async function openEmbeddedBackend(options: EmbeddedBackendOptions): Promise<Backend> {
  const temporary = options.dataDir === IN_MEMORY_DATA_DIR;
  const dataDir = temporary
    ? fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-db-'))
    : path.resolve(options.dataDir);
  const lock = await DataDirLock.acquire(dataDir, (stalePid) =>
    options.logger?.warn('took over the data folder lock of a process that is gone', {
      dataDir,
      stalePid,
    }),
  );
  let server: EmbeddedPostgres | undefined;
  const cleanUp = async () => {
    try {
      await server?.stop();
    } finally {
      lock.release();
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    if (fs.existsSync(path.join(dataDir, LEGACY_PGLITE_SUBDIR))) {
      options.logger?.warn(
        'this data folder holds a PGlite catalog from an earlier version, which is no longer read; the embedded PostgreSQL starts empty beside it',
        { dataDir, legacy: path.join(dataDir, LEGACY_PGLITE_SUBDIR) },
      );
    }
    const location = clusterLocation(dataDir, CLUSTER_SUBDIR, SOCKET_SUBDIR, options.logger);
    server = await EmbeddedPostgres.start({ ...location, logger: options.logger });
    const backend = await openPostgresBackend({
      connection: server.connection,
      schema: options.schema,
      poolSize: options.poolSize,
      timeouts: options.timeouts,
      logger: options.logger,
    });
    return {
      kind: 'embedded',
      dataSource: backend.dataSource,
      withMigrationLock: (fn) => backend.withMigrationLock(fn),
      async close() {
        try {
          await backend.close();
        } finally {
          await cleanUp();
        }
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
