import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/**
 * What the health poller and the outbox relay share between replicas.
 *
 * - `lease_tokens`, one sequence of fencing tokens for both kinds of lease: a poll claim of a
 *   registration (`integrations.lease_token`) and a takeover of a named lease (`leases.token`).
 *   A result is written only under the token its row still holds, so a replica whose claim
 *   expired (it stalled, it was cut off) cannot record over a newer claim's result.
 * - `ix_integrations_due`: the claim walks one (type, provider) at a time in due order, among
 *   the rows a claim may take (live, not disabled); the lease is checked on each row it visits.
 * - `ix_health_history_checked_at`: the age bound of the history's retention, oldest first,
 *   without a walk of every registration.
 * - `leases`: named leases with an expiry, one row a name.
 * - `ix_event_outbox_published`: pruning published events, oldest published first; unpublished
 *   rows (the relay's queue, which has its own index) are not in it.
 */
export class HealthPolling1796342400000 implements MigrationInterface {
  readonly name = 'HealthPolling1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`CREATE SEQUENCE ${t.leaseTokens} AS bigint`);
    // Nullable without a default: adding it rewrites nothing, and a row never claimed has none.
    await queryRunner.query(`ALTER TABLE ${t.integrations} ADD COLUMN "lease_token" bigint`);
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_due" ON ${t.integrations} ("type", "provider", "next_check_at")
        WHERE "deleted_at" IS NULL AND "status" <> 'disabled'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_health_history_checked_at" ON ${t.healthHistory} ("checked_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.leases} (
        "name" text NOT NULL,
        "owner" text NOT NULL,
        "token" bigint NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "acquired_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_leases" PRIMARY KEY ("name")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_event_outbox_published" ON ${t.eventOutbox} ("published_at")
        WHERE "published_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_event_outbox_published"`);
    await queryRunner.query(`DROP TABLE ${t.leases}`);
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_health_history_checked_at"`);
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_due"`);
    await queryRunner.query(`ALTER TABLE ${t.integrations} DROP COLUMN "lease_token"`);
    await queryRunner.query(`DROP SEQUENCE ${t.leaseTokens}`);
  }
}
