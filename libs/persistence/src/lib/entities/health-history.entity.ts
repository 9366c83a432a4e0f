import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { IntegrationEntity } from './integration.entity';

/** The `health_history` table: one row per test or check, newest kept up to a limit. */
@Entity({ name: 'health_history' })
@Index('ix_health_history_integration', ['integrationId', 'checkedAt', 'id'])
// The retention's age bound, oldest first.
@Index('ix_health_history_checked_at', ['checkedAt'])
export class HealthHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_health_history' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @ManyToOne(() => IntegrationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'integration_id',
    foreignKeyConstraintName: 'fk_health_history_integration',
  })
  integration?: IntegrationEntity;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'boolean' })
  success!: boolean;

  @Column({ type: 'text', nullable: true })
  phase!: string | null;

  @Column({ name: 'is_transient', type: 'boolean' })
  isTransient!: boolean;

  @Column({ type: 'text' })
  message!: string;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'checked_at', type: 'timestamptz' })
  checkedAt!: Date;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;
}
