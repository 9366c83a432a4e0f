import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The `integrations` table. It describes the schema for TypeORM; the committed migrations create
 * it, and repositories read and write it with SQL. It never leaves this library: repositories
 * return the core `Integration`.
 */
@Entity({ name: 'integrations' })
@Index('uq_integrations_tenant_name', ['tenantId', 'name'], {
  unique: true,
  where: '"deleted_at" IS NULL',
})
// (tenant_id, name, id) WHERE deleted_at IS NULL, for keyset listing. TypeORM reads an index's
// columns back in table order rather than index order and would rebuild it forever: the
// migration owns it.
@Index('ix_integrations_listing', { synchronize: false })
@Index('ix_integrations_next_check_at', ['nextCheckAt'], { where: '"deleted_at" IS NULL' })
// The health poller's claim: one (type, provider) in due order, among claimable rows.
@Index('ix_integrations_due', ['type', 'provider', 'nextCheckAt'], {
  where: `"deleted_at" IS NULL AND "status" <> 'disabled'`,
})
// The listing-indexes migration's: a partial index per filter with columns in an order TypeORM
// does not read back (see above), and a trigram GIN index, which TypeORM cannot declare. Tags are
// listed through integration_tags, a table of the migration's that no entity maps (TypeORM leaves
// tables it does not know alone).
@Index('ix_integrations_type', { synchronize: false })
@Index('ix_integrations_provider', { synchronize: false })
@Index('ix_integrations_status', { synchronize: false })
@Index('ix_integrations_health', { synchronize: false })
@Index('ix_integrations_name_trgm', { synchronize: false })
@Check('ck_integrations_status', `"status" IN ('pending', 'active', 'failed', 'disabled')`)
@Check('ck_integrations_health', `"health" IN ('unknown', 'healthy', 'degraded', 'unhealthy')`)
@Check('ck_integrations_version', '"version" >= 1')
export class IntegrationEntity {
  /** DEFAULT gen_random_uuid() (built in since PostgreSQL 13). */
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_integrations' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  /** Byte-order collation: listings sort the same on every server. */
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  provider!: string;

  @Column({ type: 'text' })
  endpoint!: string;

  /** The settings; each one named in `secretSettings` sealed in place when a key is set. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings!: Record<string, unknown>;

  /** The names of the secret settings `settings` holds (see the secret-settings migration). */
  @Column({ name: 'secret_settings', type: 'text', array: true, default: () => "'{}'" })
  secretSettings!: string[];

  /** Slot -> AuthRef URI, or that map sealed with AES-256-GCM when an encryption key is set. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  credentials!: unknown;

  @Column({ type: 'text', default: 'pending' })
  status!: string;

  @Column({ type: 'text', default: 'unknown' })
  health!: string;

  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt!: Date | null;

  @Column({ name: 'last_health_message', type: 'text', nullable: true })
  lastHealthMessage!: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'health_check_interval_seconds', type: 'integer' })
  healthCheckIntervalSeconds!: number;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ name: 'deleted_by', type: 'text', nullable: true })
  deletedBy!: string | null;

  /** When the health poller should next check it. */
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true })
  nextCheckAt!: Date | null;

  /** The poller replica that claimed the check, until `lease_until`. */
  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /**
   * The fencing token of the latest claim (from the `lease_tokens` sequence; also renewed by a
   * result recorded outside the poller): a poll's result is written only under this token.
   */
  @Column({ name: 'lease_token', type: 'bigint', nullable: true })
  leaseToken!: string | null;
}
