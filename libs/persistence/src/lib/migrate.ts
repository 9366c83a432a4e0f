import { parseArgs } from 'node:util';
import { Database } from './database';

export interface MigrateCliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const USAGE = `usage: migrate [--database-url <url>] [--data-dir <dir>] [--schema <name>] [--check]
  Applies the pending migrations of the integrations catalog, then exits.
  --database-url  PostgreSQL URL (default: $DATABASE_URL; without one, PGlite in the data folder)
  --data-dir      PGlite data folder (default: $DATA_DIR or ./.data)
  --schema        PostgreSQL schema (default: $DATABASE_SCHEMA or public)
  --check         apply nothing; exit 1 when migrations are pending`;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * `migrate`: applies pending migrations (or, with --check, reports them) and returns the exit
 * code: 0 done or up to date, 1 pending with --check or a failure, 2 bad arguments.
 */
export async function runMigrationsCli(
  argv: readonly string[],
  io: MigrateCliIo = {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'database-url': { type: 'string' },
        'data-dir': { type: 'string' },
        schema: { type: 'string' },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    io.stderr(USAGE);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const databaseUrl = nonEmpty(values['database-url']) ?? nonEmpty(io.env['DATABASE_URL']);
  const dataDir = nonEmpty(values['data-dir']) ?? nonEmpty(io.env['DATA_DIR']);
  const schema = nonEmpty(values.schema) ?? nonEmpty(io.env['DATABASE_SCHEMA']);
  let database: Database;
  try {
    database = await Database.open({
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(schema === undefined ? {} : { schema }),
      migrationsRun: false,
    });
  } catch (error) {
    io.stderr(
      `migrate: cannot open the database: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  try {
    if (values.check) {
      const pending = await database.pendingMigrations();
      io.stdout(
        pending.length === 0
          ? `migrate: the ${database.kind} database is up to date`
          : `migrate: ${pending.length} pending: ${pending.join(', ')}`,
      );
      return pending.length === 0 ? 0 : 1;
    }
    const applied = await database.runMigrations();
    io.stdout(
      applied.length === 0
        ? `migrate: the ${database.kind} database is up to date`
        : `migrate: applied ${applied.join(', ')}`,
    );
    return 0;
  } catch (error) {
    io.stderr(`migrate: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}
