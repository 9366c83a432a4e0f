import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLock } from './data-dir-lock';
import { DataDirLockedError } from './errors/data-dir-locked.error';

const CHILD = path.join(__dirname, 'testing', 'fixtures', 'data-dir-lock-child.cjs');

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'data-dir-lock-'));
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = () => path.join(dir, '.lock');

/** Starts the child; resolves with its first line of output and its exit code, if it exits. */
function runChild(mode: 'hold' | 'try' | 'exit'): {
  child: ChildProcess;
  firstLine: Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [CHILD, dir, mode], {
    cwd: path.resolve(__dirname, '../../../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
    });
    child.on('exit', () => reject(new Error(`child exited before a line: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstLine, exited };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('DataDirLock', () => {
  it('creates the lock file with this pid, and removes it on release', async () => {
    const lock = await DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    lock.release();
  });

  it('refuses a second lock of the folder in the same process until the first is released', async () => {
    const first = await DataDirLock.acquire(dir);
    const second = DataDirLock.acquire(dir);
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toMatchObject({
      pid: process.pid,
      message: `data folder ${dir} is in use by process ${process.pid}; stop it or set DATA_DIR to another folder`,
    });
    first.release();
    (await DataDirLock.acquire(dir)).release();
  });

  it('takes over a lock whose process is gone, and says so', async () => {
    const pid = await deadPid();
    writeFileSync(lockFile(), `${pid}\n`);
    const stale: (number | undefined)[] = [];
    const lock = await DataDirLock.acquire(dir, (stalePid) => stale.push(stalePid));
    expect(stale).toEqual([pid]);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock with this pid that no open lock of this process holds (a restarted container)', async () => {
    writeFileSync(lockFile(), `${process.pid}\n`);
    const lock = await DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    writeFileSync(lockFile(), 'garbage');
    const lock = await DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('leaves a lock file alone on release once another process owns it', async () => {
    const lock = await DataDirLock.acquire(dir);
    writeFileSync(lockFile(), `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('refuses while another process holds the folder, and takes over once it is killed', async () => {
    const { child, firstLine, exited } = runChild('hold');
    await expect(firstLine).resolves.toBe('locked');
    await expect(DataDirLock.acquire(dir)).rejects.toMatchObject({
      name: 'DataDirLockedError',
      pid: child.pid,
    });
    child.kill('SIGKILL');
    await exited;
    const lock = await DataDirLock.acquire(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('refuses another process while this one holds the folder', async () => {
    const lock = await DataDirLock.acquire(dir);
    const { firstLine, exited } = runChild('try');
    await expect(firstLine).resolves.toBe(`refused ${process.pid}`);
    await expect(exited).resolves.toBe(3);
    lock.release();
    const again = runChild('try');
    await expect(again.firstLine).resolves.toBe('locked');
    await expect(again.exited).resolves.toBe(0);
  });

  it('is released when the holding process exits without releasing it', async () => {
    const { firstLine, exited } = runChild('exit');
    await expect(firstLine).resolves.toBe('locked');
    await expect(exited).resolves.toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    writeFileSync(lockFile(), `${await deadPid()}\n`);
    const racers = Array.from({ length: 4 }, () => runChild('hold'));
    const lines = await Promise.all(
      racers.map(({ firstLine }) => firstLine.catch((error: Error) => error.message)),
    );
    // The losers print "refused <winner pid>" and exit with 3.
    expect(lines.filter((line) => line === 'locked')).toHaveLength(1);
    const winner = racers[lines.indexOf('locked')]?.child.pid;
    expect(lines.filter((line) => line === `refused ${winner}`)).toHaveLength(3);
  });
});
