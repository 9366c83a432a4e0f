import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { DatabaseLogger } from '../database-options';
import { EmbeddedDatabaseStartError } from '../errors/embedded-database-start.error';
import { postgresBinaries } from './postgres-binaries';
import { reachableBinaries } from './reachable-binaries';
import type { ServerAccount } from './server-account';
import { makeReachable, prepareServerDir, serverAccount } from './server-account';
import { isProcessAlive } from '../is-process-alive';

export interface EmbeddedPostgresOptions {
  /**
   * The cluster's folder (created by initdb when it holds none), in a folder of this process's
   * own (the data folder), which the caller locks.
   */
  readonly clusterDir: string;
  /** Where the server's socket goes when the path is short enough; else a private temp folder. */
  readonly socketDir: string;
  readonly logger?: DatabaseLogger | undefined;
  /** How long to wait for the server to accept connections (default 30 s). */
  readonly startTimeoutMs?: number;
}

const PORT = 5432;
const SUPERUSER = 'postgres';
/** sun_path holds 108 bytes; the socket is `<dir>/.s.PGSQL.5432` and its lock file adds `.lock`. */
const MAX_SOCKET_DIR_LENGTH = 107 - '/.s.PGSQL.5432.lock'.length;
const STDERR_TAIL_LINES = 30;

/**
 * Server settings for one service's catalog on a developer machine or a small host: few
 * connections, small shared memory, and every durability setting at PostgreSQL's safe default
 * (fsync, synchronous_commit, full_page_writes) so an acknowledged write survives kill -9.
 * No TCP listener: only the owner's private Unix socket.
 */
const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '',
  port: String(PORT),
  unix_socket_permissions: '0700',
  max_connections: '50',
  shared_buffers: '32MB',
  max_wal_size: '256MB',
  min_wal_size: '32MB',
  huge_pages: 'off',
  dynamic_shared_memory_type: 'posix',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  timezone: 'UTC',
  log_timezone: 'UTC',
  logging_collector: 'off',
  log_min_messages: 'warning',
  log_checkpoints: 'off',
  autovacuum: 'on',
};

/**
 * Runs the server under a shell that stops it when this process goes: the shell holds our end of
 * a pipe as fd 3, and when every writer is gone — a normal stop, a crash, kill -9 — the read ends
 * and the server gets SIGINT (a fast shutdown: open transactions roll back, committed ones are
 * already on disk). The shell exits with the server's status, so a server that dies is seen.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'pg=$!',
  '(read _ <&3; kill -INT "$pg" 2>/dev/null) &',
  'watcher=$!',
  'exec 3<&-',
  'trap \'kill -INT "$pg" 2>/dev/null\' INT TERM',
  'status=0',
  'while kill -0 "$pg" 2>/dev/null; do wait "$pg"; status=$?; done',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** True when `pid` is a postgres server process (where /proc tells); assumed elsewhere. */
function isPostgresProcess(pid: number): boolean {
  try {
    return (
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('postgres') ?? false
    );
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' && process.platform !== 'linux';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(25);
  }
  return !isProcessAlive(pid);
}

/** A PostgreSQL server of this process's own, in a data folder on this machine. */
export class EmbeddedPostgres {
  private stopping: Promise<void> | undefined;
  private exited = false;

  private constructor(
    readonly clusterDir: string,
    readonly socketDir: string,
    private readonly ownsSocketDir: boolean,
    private readonly child: ChildProcess,
    private readonly logger: DatabaseLogger | undefined,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  /** Connection settings for `pg` and TypeORM (Unix socket, trust inside the owner's folder). */
  get connection(): { host: string; port: number; user: string; database: string } {
    return { host: this.socketDir, port: PORT, user: SUPERUSER, database: SUPERUSER };
  }

  /** The same as a URL, for tools that take one. */
  get url(): string {
    return `postgresql://${SUPERUSER}@localhost:${PORT}/${SUPERUSER}?host=${encodeURIComponent(this.socketDir)}`;
  }

  /**
   * Makes the cluster if the folder has none, stops a server an earlier run of this folder left
   * behind, starts one and waits until it accepts connections.
   */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const account = serverAccount();
    const binaries = reachableBinaries(postgresBinaries(), account);
    const clusterDir = path.resolve(options.clusterDir);
    fs.mkdirSync(path.dirname(clusterDir), { recursive: true });
    makeReachable(path.dirname(clusterDir), account);
    await stopOrphan(clusterDir, options.logger);
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      await initCluster(binaries.initdb, clusterDir, account, options.logger);
    }
    const wanted = path.resolve(options.socketDir);
    const ownsSocketDir = wanted.length > MAX_SOCKET_DIR_LENGTH;
    const socketDir = ownsSocketDir
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-pg-'))
      : wanted;
    prepareServerDir(socketDir, account);
    for (const leftover of ['.s.PGSQL.5432', '.s.PGSQL.5432.lock']) {
      fs.rmSync(path.join(socketDir, leftover), { force: true });
    }
    const args = [binaries.postgres, '-D', clusterDir, '-k', socketDir];
    for (const [name, value] of Object.entries(SERVER_SETTINGS))
      args.push('-c', `${name}=${value}`);
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'embedded-postgres', ...args], {
      cwd: clusterDir,
      // Its own process group: a terminal's Ctrl-C reaches the service, which drains and then
      // stops the database, rather than both at once.
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
      ...(account.uid === undefined ? {} : { uid: account.uid, gid: account.gid }),
    });
    const stderrTail: string[] = [];
    // Until it is up, its complaints are about our readiness probes ("starting up"); they are
    // kept for the error message if it never comes up, not logged.
    let ready = false;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        if (ready && /\b(PANIC|FATAL|ERROR):/.test(line)) {
          options.logger?.warn('embedded PostgreSQL', { line });
        }
      }
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const server = new EmbeddedPostgres(
      clusterDir,
      socketDir,
      ownsSocketDir,
      child,
      options.logger,
    );
    try {
      await server.waitUntilReady(options.startTimeoutMs ?? 30_000, stderrTail);
      ready = true;
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Stops the server (fast shutdown) and waits for it. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin?.end();
      const timedOut = await Promise.race([
        exited.then(() => false),
        sleep(20_000).then(() => true),
      ]);
      if (timedOut) {
        this.logger?.warn('the embedded PostgreSQL did not stop within 20 s; killing it', {
          clusterDir: this.clusterDir,
        });
        const pid = readPostmasterPid(this.clusterDir);
        if (pid !== undefined && isPostgresProcess(pid)) process.kill(pid, 'SIGQUIT');
        this.child.kill('SIGKILL');
        await exited;
      }
    }
    if (this.ownsSocketDir) fs.rmSync(this.socketDir, { recursive: true, force: true });
  }

  private async waitUntilReady(timeoutMs: number, stderrTail: readonly string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new EmbeddedDatabaseStartError(
          `the embedded PostgreSQL exited while starting (exit code ${String(this.child.exitCode)})`,
          stderrTail,
        );
      }
      const client = new Client({ ...this.connection, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        lastError = error;
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(15);
    }
    throw new EmbeddedDatabaseStartError(
      `the embedded PostgreSQL did not accept connections within ${timeoutMs} ms (${lastError instanceof Error ? lastError.message : String(lastError)})`,
      stderrTail,
    );
  }
}

function readPostmasterPid(clusterDir: string): number | undefined {
  try {
    const first = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const pid = Number.parseInt(first ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server still running on this folder was left by an earlier run that died (the caller holds
 * the folder's lock, so no live owner exists): stop it. A pid file whose process is gone, or is
 * some other program now, is removed, which PostgreSQL would refuse to do for a reused pid.
 */
async function stopOrphan(clusterDir: string, logger: DatabaseLogger | undefined): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const pid = readPostmasterPid(clusterDir);
  if (pid === undefined) return;
  if (isProcessAlive(pid) && isPostgresProcess(pid)) {
    logger?.warn('stopping a PostgreSQL server an earlier run of this data folder left running', {
      clusterDir,
      pid,
    });
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGQUIT');
      if (!(await waitForExit(pid, 5_000))) process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
    return;
  }
  logger?.warn('removed a stale PostgreSQL pid file left by an earlier run', { clusterDir, pid });
  fs.rmSync(pidFile, { force: true });
}

/** initdb into a side folder, renamed into place when complete: a crash leaves no half cluster. */
async function initCluster(
  initdb: string,
  clusterDir: string,
  account: ServerAccount,
  logger: DatabaseLogger | undefined,
): Promise<void> {
  const draft = `${clusterDir}.initdb`;
  fs.rmSync(draft, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(clusterDir), { recursive: true });
  prepareServerDir(draft, account);
  const started = Date.now();
  const output: string[] = [];
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      initdb,
      [
        '-D',
        draft,
        '-U',
        SUPERUSER,
        '--auth=trust',
        '--encoding=UTF8',
        // Code-point order and full Unicode case mapping without ICU or the OS's locales, so
        // the embedded catalog sorts and searches the same on every machine.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--sync-method=syncfs',
        '--no-instructions',
      ],
      {
        cwd: draft,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
        ...(account.uid === undefined ? {} : { uid: account.uid, gid: account.gid }),
      },
    );
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => output.push(chunk));
    }
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (status !== 0) {
    fs.rmSync(draft, { recursive: true, force: true });
    throw new EmbeddedDatabaseStartError(
      `initdb failed (exit code ${String(status)})`,
      output.join('').split('\n').slice(-STDERR_TAIL_LINES),
    );
  }
  fs.rmSync(clusterDir, { recursive: true, force: true });
  fs.renameSync(draft, clusterDir);
  logger?.info('created the embedded PostgreSQL cluster', {
    clusterDir,
    ms: Date.now() - started,
  });
}
