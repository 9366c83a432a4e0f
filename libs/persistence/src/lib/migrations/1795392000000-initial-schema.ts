import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/** The catalog's first schema: integrations, their health history, the event outbox, the audit log. */
export class InitialSchema1795392000000 implements MigrationInterface {
  readonly name = 'InitialSchema1795392000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${t.integrations} (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" text NOT NULL,
        "name" text COLLATE "C" NOT NULL,
        "type" text NOT NULL,
        "provider" text NOT NULL,
        "endpoint" text NOT NULL,
        "settings" jsonb NOT NULL DEFAULT '{}',
        "credentials" jsonb NOT NULL DEFAULT '{}',
        "status" text NOT NULL DEFAULT 'pending',
        "health" text NOT NULL DEFAULT 'unknown',
        "last_checked_at" timestamptz,
        "last_health_message" text,
        "consecutive_failures" integer NOT NULL DEFAULT 0,
        "health_check_interval_seconds" integer NOT NULL,
        "tags" text[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "created_by" text NOT NULL,
        "updated_by" text NOT NULL,
        "version" integer NOT NULL DEFAULT 1,
        "deleted_at" timestamptz,
        "deleted_by" text,
        "next_check_at" timestamptz,
        "lease_owner" text,
        "lease_until" timestamptz,
        CONSTRAINT "pk_integrations" PRIMARY KEY ("id"),
        CONSTRAINT "ck_integrations_status" CHECK ("status" IN ('pending', 'active', 'failed', 'disabled')),
        CONSTRAINT "ck_integrations_health" CHECK ("health" IN ('unknown', 'healthy', 'degraded', 'unhealthy')),
        CONSTRAINT "ck_integrations_version" CHECK ("version" >= 1)
      )`);
    // A name is unique among a tenant's live registrations; a deleted one frees its name.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_integrations_tenant_name" ON ${t.integrations} ("tenant_id", "name") WHERE "deleted_at" IS NULL`,
    );
    // Keyset listing: WHERE tenant_id = $1 AND (name, id) > ($2, $3) ORDER BY name, id.
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_listing" ON ${t.integrations} ("tenant_id", "name", "id") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_next_check_at" ON ${t.integrations} ("next_check_at") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_tags" ON ${t.integrations} USING gin ("tags")`,
    );

    await queryRunner.query(`
      CREATE TABLE ${t.healthHistory} (
        "id" bigserial NOT NULL,
        "tenant_id" text NOT NULL,
        "integration_id" uuid NOT NULL,
        "status" text NOT NULL,
        "success" boolean NOT NULL,
        "phase" text,
        "is_transient" boolean NOT NULL,
        "message" text NOT NULL,
        "duration_ms" integer NOT NULL,
        "checked_at" timestamptz NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_health_history" PRIMARY KEY ("id"),
        CONSTRAINT "fk_health_history_integration" FOREIGN KEY ("integration_id")
          REFERENCES ${t.integrations} ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_health_history_integration" ON ${t.healthHistory} ("integration_id", "checked_at", "id")`,
    );

    await queryRunner.query(`
      CREATE TABLE ${t.eventOutbox} (
        "position" bigserial NOT NULL,
        "id" uuid NOT NULL,
        "tenant_id" text NOT NULL,
        "integration_id" uuid NOT NULL,
        "type" text NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "payload" jsonb NOT NULL,
        "published_at" timestamptz,
        CONSTRAINT "pk_event_outbox" PRIMARY KEY ("position")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_event_outbox_id" ON ${t.eventOutbox} ("id")`);
    await queryRunner.query(
      `CREATE INDEX "ix_event_outbox_tenant_position" ON ${t.eventOutbox} ("tenant_id", "position")`,
    );
    // The relay's work queue stays small however long the feed grows.
    await queryRunner.query(
      `CREATE INDEX "ix_event_outbox_unpublished" ON ${t.eventOutbox} ("position") WHERE "published_at" IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE ${t.auditLog} (
        "id" bigserial NOT NULL,
        "tenant_id" text NOT NULL,
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "integration_id" uuid,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_audit_log" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_log_tenant" ON ${t.auditLog} ("tenant_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_log_integration" ON ${t.auditLog} ("integration_id", "id") WHERE "integration_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP TABLE ${t.auditLog}`);
    await queryRunner.query(`DROP TABLE ${t.eventOutbox}`);
    await queryRunner.query(`DROP TABLE ${t.healthHistory}`);
    await queryRunner.query(`DROP TABLE ${t.integrations}`);
  }
}
