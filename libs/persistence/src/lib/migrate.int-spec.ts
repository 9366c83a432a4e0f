import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runMigrationsCli } from './migrate';
import { MIGRATIONS } from './migrations/migrations';

const ALL = MIGRATIONS.map((migration) => migration.name);

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env, stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line) },
  };
}

describe('runMigrationsCli', () => {
  it('checks, applies, and then finds a PGlite data folder up to date', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-'));
    try {
      const check = io({ DATA_DIR: dir });
      await expect(runMigrationsCli(['--check'], check.io)).resolves.toBe(1);
      expect(check.out).toEqual([`migrate: ${ALL.length} pending: ${ALL.join(', ')}`]);

      const apply = io();
      await expect(runMigrationsCli(['--data-dir', dir], apply.io)).resolves.toBe(0);
      expect(apply.out).toEqual([`migrate: applied ${ALL.join(', ')}`]);

      const again = io({ DATA_DIR: dir });
      await expect(runMigrationsCli([], again.io)).resolves.toBe(0);
      await expect(runMigrationsCli(['--check'], again.io)).resolves.toBe(0);
      expect(again.out).toEqual([
        'migrate: the pglite database is up to date',
        'migrate: the pglite database is up to date',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown arguments with its usage', async () => {
    const run = io();
    await expect(runMigrationsCli(['--frobnicate'], run.io)).resolves.toBe(2);
    expect(run.err[0]).toMatch(/^migrate: .*frobnicate/);
    expect(run.err[1]).toMatch(/^usage: migrate/);
  });

  it('reports a database it cannot open', async () => {
    const run = io({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    await expect(runMigrationsCli([], run.io)).resolves.toBe(1);
    expect(run.err[0]).toMatch(/^migrate: cannot open the database: .*ECONNREFUSED/);
  });

  const url = process.env['TEST_DATABASE_URL'];
  (url ? it : it.skip)('applies the migrations to a PostgreSQL schema it creates', async () => {
    const schema = `migrate_${randomBytes(6).toString('hex')}`;
    try {
      const apply = io({ DATABASE_URL: url, DATABASE_SCHEMA: schema });
      await expect(runMigrationsCli([], apply.io)).resolves.toBe(0);
      expect(apply.out).toEqual([`migrate: applied ${ALL.join(', ')}`]);
      const check = io();
      await expect(
        runMigrationsCli(['--database-url', url ?? '', '--schema', schema, '--check'], check.io),
      ).resolves.toBe(0);
    } finally {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
