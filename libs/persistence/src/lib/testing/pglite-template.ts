import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Database, pgliteOf } from '../database';
import { IN_MEMORY_DATA_DIR } from '../database-options';
import { MIGRATIONS } from '../migrations/migrations';

let template: Promise<Blob> | undefined;

/**
 * What makes a template stale: another PGlite (its cluster format) or other migrations. The
 * migrations' source is part of it, so editing one in development builds a new template.
 */
function templateKey(): string {
  const packageJson = path.join(
    path.dirname(require.resolve('@electric-sql/pglite')),
    '..',
    'package.json',
  );
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`pglite ${version}\n`);
  for (const migration of MIGRATIONS) {
    hash.update(`${migration.name}\n${migration.prototype.up.toString()}\n`);
  }
  return hash.digest('hex').slice(0, 20);
}

async function buildTemplate(): Promise<Blob> {
  const file = path.join(os.tmpdir(), `stellaops-integrations-pglite-${templateKey()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const database = await Database.open({ dataDir: IN_MEMORY_DATA_DIR });
  try {
    const pglite = pgliteOf(database);
    if (pglite === undefined) throw new Error('an in-memory Database has no PGlite instance');
    const dump = await pglite.dumpDataDir('none');
    // Written aside and renamed into place: parallel test workers never read half a file.
    const draft = `${file}.${process.pid}.tmp`;
    await writeFile(draft, Buffer.from(await dump.arrayBuffer()));
    await rename(draft, file);
    return dump;
  } finally {
    await database.close();
  }
}

/**
 * A migrated, empty PGlite cluster as a data-folder dump. Starting from it takes well under a
 * second, where a new cluster (initdb) takes several; it is built once and cached in the OS temp
 * folder for later test processes.
 */
export function pgliteTemplate(): Promise<Blob> {
  template ??= buildTemplate().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}
