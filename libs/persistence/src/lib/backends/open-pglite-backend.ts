import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { DataDirLock } from '../data-dir-lock';
import type { DatabaseLogger } from '../database-options';
import { IN_MEMORY_DATA_DIR } from '../database-options';
import type { Backend } from './backend';
import { pgTypes } from '../sql/timestamps';
import { commonDataSourceOptions } from './data-source-options';

interface PgliteNodePostgres {
  createPgConfig(pglite: PGlite): object;
}

/**
 * PGlite is loaded only when it is used: a service on PostgreSQL never pays for it at start.
 * The node-postgres subpath is published only through package.json "exports", which TypeScript's
 * node10 resolution (this workspace's) does not read; Node and jest resolve it at run time.
 */
function loadPglite(): {
  PGlite: typeof PGlite;
  createPgConfig: PgliteNodePostgres['createPgConfig'];
} {
  const { PGlite: pgliteClass } = require('@electric-sql/pglite') as {
    PGlite: typeof PGlite;
  };
  const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as PgliteNodePostgres;
  return { PGlite: pgliteClass, createPgConfig };
}

export interface PgliteBackendOptions {
  readonly dataDir: string;
  readonly schema: string;
  readonly logger: DatabaseLogger | undefined;
  /** A data-folder dump (`PGlite.dumpDataDir`) to start a new cluster from. */
  readonly seed?: Blob;
}

/** The folder under the data folder that holds PGlite's cluster. */
export const PGLITE_SUBDIR = 'pglite';

export interface PgliteBackend extends Backend {
  readonly pglite: PGlite;
}

/**
 * Embedded PostgreSQL. TypeORM talks to it through `pg` over PGlite's node-postgres adapter, with
 * a pool of exactly one connection: PGlite is single-connection, and a pool of one makes every
 * transaction hold that connection until it ends, so concurrent callers queue instead of running
 * statements inside someone else's transaction.
 */
export async function openPgliteBackend(options: PgliteBackendOptions): Promise<PgliteBackend> {
  const inMemory = options.dataDir === IN_MEMORY_DATA_DIR;
  const lock = inMemory
    ? undefined
    : await DataDirLock.acquire(options.dataDir, (stalePid) =>
        options.logger?.warn('took over the data folder lock of a process that is gone', {
          dataDir: path.resolve(options.dataDir),
          stalePid,
        }),
      );
  const { PGlite: PGliteClass, createPgConfig } = loadPglite();
  let pglite: PGlite | undefined;
  try {
    pglite = await PGliteClass.create({
      dataDir: lock === undefined ? IN_MEMORY_DATA_DIR : path.join(lock.dataDir, PGLITE_SUBDIR),
      ...(options.seed === undefined ? {} : { loadDataDir: options.seed }),
    });
    const dataSource = new DataSource({
      ...commonDataSourceOptions(options.schema),
      extra: { ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0, types: pgTypes },
    });
    await dataSource.initialize();
    const instance = pglite;
    return {
      kind: 'pglite',
      dataSource,
      pglite: instance,
      // The folder lock already keeps every other process out.
      withMigrationLock: (fn) => fn(),
      async close() {
        try {
          await dataSource.destroy();
        } finally {
          try {
            await instance.close();
          } finally {
            lock?.release();
          }
        }
      },
    };
  } catch (error) {
    try {
      if (pglite !== undefined && !pglite.closed) await pglite.close();
    } finally {
      lock?.release();
    }
    throw error;
  }
}
