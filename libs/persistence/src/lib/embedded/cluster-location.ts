import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseLogger } from '../database-options';
import type { ServerAccount } from './server-account';
import { firstClosedAncestor, serverAccount } from './server-account';

/** Where the cluster of a data folder goes when the server's account cannot reach the folder. */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/stellaops-integrations';
const POINTER_FILE = 'postgres.location';

export interface ClusterLocation {
  readonly clusterDir: string;
  readonly socketDir: string;
}

/**
 * The cluster lives in the data folder — unless this process runs as root, the server as another
 * account (PostgreSQL refuses root), and a folder above the data folder is closed to that account
 * (a project under a home folder of mode 0700, say). Then the cluster and its socket go to a
 * folder of their own under /var/lib (persistent, unlike the temp folder), named after the data
 * folder's real path, and `<dataDir>/postgres.location` says where: the catalog stays with its
 * data folder across restarts, and nothing outside the data folder has to be opened up.
 */
export function clusterLocation(
  dataDir: string,
  clusterSubdir: string,
  socketSubdir: string,
  logger: DatabaseLogger | undefined,
  account: ServerAccount = serverAccount(),
  relocatedBase: string = RELOCATED_CLUSTERS_DIR,
): ClusterLocation {
  const inPlace = {
    clusterDir: path.join(dataDir, clusterSubdir),
    socketDir: path.join(dataDir, socketSubdir),
  };
  if (account.uid === undefined) return inPlace;
  const closed = firstClosedAncestor(dataDir, account);
  if (closed === undefined) return inPlace;
  const key = createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16);
  const home = path.join(relocatedBase, key);
  fs.mkdirSync(home, { recursive: true, mode: 0o755 });
  fs.chmodSync(relocatedBase, 0o755);
  fs.chmodSync(home, 0o755);
  fs.writeFileSync(path.join(dataDir, POINTER_FILE), `${home}\n`);
  logger?.warn(
    `the embedded PostgreSQL runs as ${account.name}, which cannot reach the data folder (${closed} is closed to it): its cluster is kept in ${home}`,
    { dataDir, clusterDir: home },
  );
  return {
    clusterDir: path.join(home, clusterSubdir),
    socketDir: path.join(home, socketSubdir),
  };
}
