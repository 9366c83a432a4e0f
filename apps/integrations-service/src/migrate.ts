import 'reflect-metadata';
import { Database } from '@stellaops/integrations-persistence';
import { ConfigError } from './config/config.error';
import { loadServiceConfig } from './config/service-config';

/** `npm run migrate`: applies pending migrations to the configured database, then exits. */
async function migrate(): Promise<void> {
  const config = loadServiceConfig();
  const database = await Database.open({
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
    dataDir: config.dataDir,
    migrationsRun: false,
  });
  try {
    const applied = await database.runMigrations();
    process.stdout.write(
      applied.length === 0
        ? `migrate: the ${database.kind} database is up to date\n`
        : `migrate: applied ${applied.join(', ')}\n`,
    );
  } finally {
    await database.close();
  }
}

migrate().catch((error: unknown) => {
  const prefix = error instanceof ConfigError ? 'configuration error' : 'migrate failed';
  process.stderr.write(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
