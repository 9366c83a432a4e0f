import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresBinaries } from './postgres-binaries';
import type { ServerAccount } from './server-account';
import { firstClosedAncestor } from './server-account';

const MARKER = '.complete';

/** A folder only root may have made and only root may change: safe to run programs from. */
function isRootsOwn(dir: string): boolean {
  try {
    const stat = fs.lstatSync(dir);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * The binaries as the server's account can run them. Running as root with the project in a
 * folder closed to other accounts (under /root, say), the postgres account cannot reach
 * node_modules: the binaries are then copied once per version to a root-owned folder in the OS
 * temp folder that every account may read, and run from there.
 */
export function reachableBinaries(
  binaries: PostgresBinaries,
  account: ServerAccount,
): PostgresBinaries {
  const nativeDir = path.resolve(path.dirname(binaries.postgres), '..');
  if (account.uid === undefined || firstClosedAncestor(binaries.postgres, account) === undefined) {
    return binaries;
  }
  const copy = path.join(os.tmpdir(), `stellaops-postgres-${binaries.version}`);
  const done = path.join(copy, MARKER);
  if (!(isRootsOwn(copy) && fs.existsSync(done))) {
    const draft = fs.mkdtempSync(`${copy}.draft-`);
    fs.cpSync(nativeDir, draft, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(draft, MARKER), '');
    fs.chmodSync(draft, 0o755);
    fs.rmSync(copy, { recursive: true, force: true });
    fs.renameSync(draft, copy);
  }
  return {
    initdb: path.join(copy, 'bin', 'initdb'),
    postgres: path.join(copy, 'bin', 'postgres'),
    version: binaries.version,
  };
}
