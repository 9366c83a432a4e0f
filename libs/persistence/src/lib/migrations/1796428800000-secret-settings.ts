import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/**
 * `integrations.secret_settings`: the names of a registration's secret settings (those its
 * plugin's settings schema marks `writeOnly`), whose values `settings` holds sealed in place when
 * a key is configured. The names are what a read opens, what a response leaves out and what a
 * key rotation re-seals; they are kept with the row because without a key the values are stored
 * as they are, and nothing else would tell them from the other settings. A constant default adds
 * the column without rewriting the table.
 */
export class SecretSettings1796428800000 implements MigrationInterface {
  readonly name = 'SecretSettings1796428800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(
      `ALTER TABLE ${t.integrations} ADD COLUMN "secret_settings" text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`ALTER TABLE ${t.integrations} DROP COLUMN "secret_settings"`);
  }
}
