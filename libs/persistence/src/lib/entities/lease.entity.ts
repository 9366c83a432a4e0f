import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The `leases` table: one row per named lease (the outbox relay's, for one). Whoever holds an
 * unexpired row does that singleton's work; `token` comes from the `lease_tokens` sequence on
 * every takeover, so work done under an older token can be told from the current holder's.
 */
@Entity({ name: 'leases' })
export class LeaseEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_leases' })
  name!: string;

  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'bigint' })
  token!: string;

  /** By the database's clock. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When the current owner took it (kept across its renewals). */
  @Column({ name: 'acquired_at', type: 'timestamptz', default: () => 'now()' })
  acquiredAt!: Date;
}
