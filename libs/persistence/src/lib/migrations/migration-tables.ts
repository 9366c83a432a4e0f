import type { QueryRunner } from 'typeorm';
import type { TableNames } from '../sql/sql-identifiers';
import { tableNames } from '../sql/sql-identifiers';

/** Migrations write into the schema the DataSource was opened with (`public` by default). */
export function migrationTables(queryRunner: QueryRunner): TableNames {
  const { schema } = queryRunner.connection.options as { schema?: string };
  return tableNames(schema ?? 'public');
}
