import fs from 'node:fs';
import path from 'node:path';

/** The account the embedded server runs as; `undefined` fields mean "as this process". */
export interface ServerAccount {
  readonly uid?: number;
  readonly gid?: number;
  readonly name: string;
}

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

/**
 * PostgreSQL refuses to run as root. As root (CI, some containers) the server runs as the
 * `postgres` account, or `nobody` where there is none; otherwise as this process's own user.
 * `EMBEDDED_POSTGRES_USER` names another account.
 */
export function serverAccount(env: NodeJS.ProcessEnv = process.env): ServerAccount {
  const self = { name: 'self' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return self;
  const wanted = env['EMBEDDED_POSTGRES_USER']?.trim();
  for (const name of wanted ? [wanted] : ['postgres', 'nobody']) {
    const entry = passwdEntry(name);
    if (entry !== undefined && entry.uid !== 0) return { ...entry, name };
    if (wanted) break;
  }
  throw new Error(
    wanted
      ? `EMBEDDED_POSTGRES_USER=${wanted} names no non-root account in /etc/passwd`
      : 'running as root, and there is neither a postgres nor a nobody account to run the embedded database as: create one, or set EMBEDDED_POSTGRES_USER',
  );
}

/** Gives `dir` (created if missing) to the server's account, private to it. */
export function prepareServerDir(dir: string, account: ServerAccount): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account.uid !== undefined && account.gid !== undefined) {
    fs.chownSync(dir, account.uid, account.gid);
  }
  fs.chmodSync(dir, 0o700);
}

export function canTraverse(stat: fs.Stats, account: ServerAccount): boolean {
  if (stat.uid === account.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === account.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/**
 * When the server runs as another account, it must be able to reach its folders: `own` (a folder
 * this process made, such as the data folder) is given search permission for others — not
 * listing — and every folder above it must already allow it, or the message says which does not.
 */
export function makeReachable(own: string, account: ServerAccount): void {
  if (account.uid === undefined) return;
  const ownStat = fs.statSync(own);
  if (!canTraverse(ownStat, account)) fs.chmodSync(own, (ownStat.mode & 0o7777) | 0o001);
  const closed = firstClosedAncestor(own, account);
  if (closed !== undefined) {
    throw new Error(
      `the embedded database runs as the account ${account.name} (PostgreSQL refuses root), which cannot reach ${own} because ${closed} is closed to it: put DATA_DIR elsewhere, or set EMBEDDED_POSTGRES_USER`,
    );
  }
}

/** The first folder above `target` that `account` may not pass through, if any. */
export function firstClosedAncestor(target: string, account: ServerAccount): string | undefined {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if (!canTraverse(fs.statSync(dir), account)) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}
