import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from '../entities/entities';
import { MIGRATIONS } from '../migrations/migrations';
import { MIGRATIONS_TABLE } from '../sql/sql-identifiers';

/** What both backends configure the same way. The schema is never synchronized from entities. */
export function commonDataSourceOptions(schema: string) {
  return {
    type: 'postgres',
    schema,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all',
    migrationsRun: false,
    synchronize: false,
    // Migrations create what they need; gen_random_uuid() is built in since PostgreSQL 13.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
  } as const satisfies Partial<DataSourceOptions>;
}
