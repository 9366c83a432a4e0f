import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataDirLockedError } from './errors/data-dir-locked.error';
import { isProcessAlive } from './is-process-alive';

const LOCK_FILE = '.lock';
const TAKEOVER_SUFFIX = '.takeover';
/** A takeover marker older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;
const MAX_ATTEMPTS = 50;

/** Locks held by this process, by lock-file path: released at exit if nobody closed them. */
const held = new Set<string>();
let exitHookInstalled = false;

function releaseAllAtExit(): void {
  for (const file of held) removeIfOurs(file);
  held.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', releaseAllAtExit);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function removeIfOurs(file: string): void {
  try {
    if (readOwner(file) === process.pid) unlinkSync(file);
  } catch {
    // Best effort: at exit, or when the file is already gone.
  }
}

/**
 * Creates `file` with `content` only if it does not exist; false when it does. The content is
 * written to a private file first and hard-linked into place, so that nobody ever reads a lock
 * file that exists but does not yet name its owner.
 */
function createExclusive(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(draft, content, { flag: 'wx' });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

/**
 * An exclusive claim on a data folder: `<dataDir>/.lock`, created atomically with this process's
 * pid. The folder's embedded PostgreSQL belongs to one service process, which starts and stops
 * it; a second process is refused with a clear message. A lock whose process is gone is taken
 * over (and the next start stops any server it left running).
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dataDir: string,
    readonly file: string,
  ) {}

  /**
   * @param onStale told when a lock left by a dead process is taken over
   * @throws DataDirLockedError when a live process (or this one, through another open Database) holds it
   */
  static async acquire(
    dataDir: string,
    onStale?: (stalePid: number | undefined) => void,
  ): Promise<DataDirLock> {
    const dir = path.resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOCK_FILE);
    const content = `${process.pid}\n`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (createExclusive(file, content)) {
        held.add(file);
        installExitHook();
        return new DataDirLock(dir, file);
      }
      const owner = readOwner(file);
      if (
        owner !== undefined &&
        isProcessAlive(owner) &&
        (owner !== process.pid || held.has(file))
      ) {
        throw new DataDirLockedError(dir, owner);
      }
      // Stale (its process is gone, or it is this pid left over from an earlier life of a
      // container whose pid is always the same). Only one process may clear it: whoever creates
      // the takeover marker, and it checks again under the marker that the lock is unchanged.
      if (await takeOver(file, owner)) onStale?.(owner);
    }
    throw new Error(`could not lock data folder ${dir}: its lock file keeps changing`);
  }

  /** Idempotent; removes the lock file only while it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    removeIfOurs(this.file);
  }
}

async function takeOver(file: string, staleOwner: number | undefined): Promise<boolean> {
  const marker = `${file}${TAKEOVER_SUFFIX}`;
  if (!createExclusive(marker, `${process.pid}\n`)) {
    clearAbandonedMarker(marker);
    await sleep(20);
    return false;
  }
  try {
    if (readOwner(file) !== staleOwner) return false;
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return true;
  } finally {
    unlinkSync(marker);
  }
}

function clearAbandonedMarker(marker: string): void {
  try {
    if (Date.now() - statSync(marker).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(marker);
  } catch {
    // Gone already: another process finished its takeover.
  }
}
