import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The `audit_log` table: who did what to which registration (and which secrets were read). */
@Entity({ name: 'audit_log' })
@Index('ix_audit_log_tenant', ['tenantId', 'id'])
@Index('ix_audit_log_integration', ['integrationId', 'id'], {
  where: '"integration_id" IS NOT NULL',
})
export class AuditLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_audit_log' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'integration_id', type: 'uuid', nullable: true })
  integrationId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;
}
