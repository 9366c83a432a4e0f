import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The `event_outbox` table: lifecycle events written in the same transaction as the change they
 * describe. `position` orders the feed; `published_at` is set once the relay has sent an event.
 */
@Entity({ name: 'event_outbox' })
@Index('ix_event_outbox_tenant_position', ['tenantId', 'position'])
@Index('ix_event_outbox_unpublished', ['position'], { where: '"published_at" IS NULL' })
// Pruning published events, oldest published first.
@Index('ix_event_outbox_published', ['publishedAt'], { where: '"published_at" IS NOT NULL' })
export class EventOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_event_outbox' })
  position!: string;

  @Index('uq_event_outbox_id', { unique: true })
  @Column({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
