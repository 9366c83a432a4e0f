import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresBinaries } from './postgres-binaries';
import type { ServerAccount } from './server-account';
import { firstClosedAncestor } from './server-account';
import { ensureLibraryLinks } from './library-links';

const MARKER = '.complete';

/** A folder only `uid` may have made and may change: safe for that user to run programs from. */
function isOwnedBy(dir: string, uid: number): boolean {
  try {
    const stat = fs.lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * The binaries as the server's account can run them. Running as root with the project in a
 * folder closed to other accounts (under a home folder of mode 0700, say), the postgres account
 * cannot reach node_modules; and where the package's library links could not be made in place
 * (a read-only install) they are missing. In either case the binaries are copied once per
 * version to a root-owned (or this user's) folder in the OS temp folder, linked there, and run
 * from it. Concurrent starts (test workers) each copy to a draft; the first rename wins and the
 * others use its copy, which nobody ever removes while a server may run from it.
 */
export function reachableBinaries(
  binaries: PostgresBinaries,
  account: ServerAccount,
): PostgresBinaries {
  const nativeDir = path.resolve(path.dirname(binaries.postgres), '..');
  const reachable =
    account.uid === undefined || firstClosedAncestor(binaries.postgres, account) === undefined;
  if (reachable && binaries.linked) return binaries;
  const owner = process.getuid?.() ?? 0;
  const shared = path.join(os.tmpdir(), `stellaops-postgres-${binaries.version}-${owner}`);
  const usable = (dir: string) => isOwnedBy(dir, owner) && fs.existsSync(path.join(dir, MARKER));
  let copy = shared;
  if (!usable(copy)) {
    const draft = fs.mkdtempSync(`${shared}.draft-`);
    fs.cpSync(nativeDir, draft, { recursive: true, verbatimSymlinks: true });
    if (!ensureLibraryLinks(draft)) throw new Error(`could not link the libraries in ${draft}`);
    fs.writeFileSync(path.join(draft, MARKER), '');
    fs.chmodSync(draft, 0o755);
    try {
      fs.renameSync(draft, shared);
    } catch {
      // Another start put its copy in place first, or something else holds the name.
    }
    if (fs.existsSync(draft)) {
      if (usable(shared)) fs.rmSync(draft, { recursive: true, force: true });
      else copy = draft;
    }
  }
  return {
    initdb: path.join(copy, 'bin', 'initdb'),
    postgres: path.join(copy, 'bin', 'postgres'),
    version: binaries.version,
    linked: true,
  };
}
