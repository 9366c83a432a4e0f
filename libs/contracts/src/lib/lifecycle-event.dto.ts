import { ApiProperty } from '@nestjs/swagger';
import type { LifecycleEvent, LifecycleEventType } from '@stellaops/integrations-core';
import { LifecycleEventTypes } from '@stellaops/integrations-core';

const EVENT_TYPES = Object.values(LifecycleEventTypes);

/**
 * A lifecycle event, as the feed serves it and the relay publishes it. Its payload never holds
 * credentials or settings.
 */
export class LifecycleEventDto {
  @ApiProperty({ format: 'uuid', description: 'Consumers de-duplicate by it.' })
  id!: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type!: LifecycleEventType;

  @ApiProperty()
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  integrationId!: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Depends on `type`; always holds `integration` {id, name, type, provider, version}.',
  })
  payload!: Readonly<Record<string, unknown>>;
}

export const lifecycleEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'tenantId', 'integrationId', 'occurredAt', 'payload'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', enum: EVENT_TYPES },
    tenantId: { type: 'string' },
    integrationId: { type: 'string', format: 'uuid' },
    occurredAt: { type: 'string', format: 'date-time' },
    payload: { type: 'object', additionalProperties: true },
  },
} as const;

export function toLifecycleEventDto(event: LifecycleEvent): LifecycleEventDto {
  return {
    id: event.id,
    type: event.type,
    tenantId: event.tenantId,
    integrationId: event.integrationId,
    occurredAt: event.occurredAt,
    payload: event.payload,
  };
}
