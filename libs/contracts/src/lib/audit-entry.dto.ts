import { ApiProperty } from '@nestjs/swagger';

/** A stored audit entry, as the mappers read it (the persistence layer's entry fits). */
export interface AuditRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly occurredAt: string;
  readonly actor: string;
  readonly action: string;
  readonly integrationId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Who did what, to which registration, when. Never holds a secret value or where it is kept:
 * a credential's access names its slot, its store and an HMAC of its reference.
 */
export class AuditEntryDto {
  @ApiProperty({
    pattern: '^[0-9]+$',
    description: 'Increases with every entry written; pass as `after` to read on from it.',
  })
  id!: string;

  @ApiProperty()
  tenantId!: string;

  @ApiProperty({ format: 'date-time', description: "When it was recorded (the database's clock)." })
  occurredAt!: string;

  @ApiProperty({
    description:
      "The token's subject, or the service component acting on its own (`health-poller`).",
  })
  actor!: string;

  @ApiProperty({
    example: 'secret.resolved',
    description:
      'What happened: `integration.register|update|delete|test|health-check` for the catalog, ' +
      '`secret.resolved|refused|failed` for a credential access.',
  })
  action!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The registration it is about; null for a draft tested before it was saved.',
  })
  integrationId!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Depends on `action`. A credential access: `slot`, `store`, `referenceHmac` (HMAC-SHA256 ' +
      'of the reference URI, hex), `purpose` (`test|health|scm|registry`), and for `secret.failed` ' +
      '`failure` (`unavailable|unresolved|store-error`, with `errorName` for a store-error).',
  })
  details!: Readonly<Record<string, unknown>>;
}

export const auditEntrySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'tenantId', 'occurredAt', 'actor', 'action', 'integrationId', 'details'],
  properties: {
    id: { type: 'string', pattern: '^[0-9]+$' },
    tenantId: { type: 'string' },
    occurredAt: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    action: { type: 'string' },
    integrationId: { type: ['string', 'null'], format: 'uuid' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function toAuditEntryDto(entry: AuditRecord): AuditEntryDto {
  return {
    id: entry.id,
    tenantId: entry.tenantId,
    occurredAt: entry.occurredAt,
    actor: entry.actor,
    action: entry.action,
    integrationId: entry.integrationId,
    details: entry.details,
  };
}
