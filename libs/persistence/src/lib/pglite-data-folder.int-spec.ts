import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from './database';
import type { DatabaseLogger } from './database-options';
import { DataDirLockedError } from './errors/data-dir-locked.error';
import { pgliteTemplate } from './testing/pglite-template';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pglite-data-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function recordingLogger(): DatabaseLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
  };
}

describe('Database on PGlite in a data folder', () => {
  it('creates, migrates and keeps its data across close and re-open', async () => {
    const logger = recordingLogger();
    const first = await Database.open({ dataDir: dir, logger });
    expect(first.kind).toBe('pglite');
    expect(logger.lines).toEqual(['info applied 1 migration(s)', 'info database opened (pglite)']);
    expect(existsSync(path.join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dir, '.lock'))).toBe(true);
    const created = await first.integrations.insert({
      tenantId: 'default',
      name: 'kept',
      type: 'scm',
      provider: 'gitlab',
      endpoint: 'https://gitlab.example.com',
      settings: { group: 'platform' },
      credentials: { token: 'authref://env/GITLAB_TOKEN' },
      healthCheckIntervalSeconds: 120,
      tags: ['ci'],
      createdBy: 'alice',
    });
    await first.close();
    expect(existsSync(path.join(dir, '.lock'))).toBe(false);

    const second = await Database.open({ dataDir: dir });
    try {
      await expect(second.integrations.findById('default', created.id)).resolves.toEqual(created);
      await expect(second.pendingMigrations()).resolves.toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('refuses a second open of the same folder in this process until the first is closed', async () => {
    const seed = await pgliteTemplate();
    const first = await Database.openWith({ dataDir: dir }, { pgliteSeed: seed });
    const second = Database.open({ dataDir: dir });
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(
      `data folder ${dir} is in use by process ${process.pid}; stop it or set DATA_DIR to another folder`,
    );
    await expect(first.ping()).resolves.toBe(true);
    await first.close();
    const third = await Database.open({ dataDir: dir });
    await expect(third.ping()).resolves.toBe(true);
    await third.close();
  });

  it('refuses to open a folder another process holds, and takes it over once that process is gone', async () => {
    const child = spawn(
      process.execPath,
      [path.join(__dirname, 'testing', 'fixtures', 'data-dir-lock-child.cjs'), dir, 'hold'],
      { cwd: path.resolve(__dirname, '../../../..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', () => reject(new Error('the lock holder exited')));
      });
      await expect(Database.open({ dataDir: dir })).rejects.toMatchObject({
        name: 'DataDirLockedError',
        pid: child.pid,
      });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    const logger = recordingLogger();
    const db = await Database.openWith(
      { dataDir: dir, logger },
      { pgliteSeed: await pgliteTemplate() },
    );
    try {
      expect(logger.lines).toContain(
        'warn took over the data folder lock of a process that is gone',
      );
      await expect(db.ping()).resolves.toBe(true);
    } finally {
      await db.close();
    }
  });
});
