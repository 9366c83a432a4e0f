import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/**
 * Room on each page of `integrations` for a row's next version: the poller's claim changes only
 * the lease columns, which no index holds, so with free space on the page PostgreSQL can write
 * it as a heap-only tuple instead of a new entry in each of the table's ten indexes. Applies to
 * pages written from now on (existing pages fill up as rows are updated).
 */
export class IntegrationsFillfactor1796515200000 implements MigrationInterface {
  readonly name = 'IntegrationsFillfactor1796515200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`ALTER TABLE ${t.integrations} SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`ALTER TABLE ${t.integrations} RESET (fillfactor)`);
  }
}
