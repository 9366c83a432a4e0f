import { ApiProperty } from '@nestjs/swagger';
import type { CheckResult, HealthStatus } from '@stellaops/integrations-core';
import { HealthStatuses } from '@stellaops/integrations-core';

/** A stored test or check, as the mappers read it (the persistence layer's history row fits). */
export interface HealthHistoryRecord extends Omit<CheckResult, 'phase'> {
  readonly id: string;
  /** A check phase, or null on success; stored as text. */
  readonly phase: string | null;
}

/** One past test or check of a registration. */
export class HealthHistoryEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: HealthStatuses })
  status!: HealthStatus;

  @ApiProperty()
  success!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The step that failed.' })
  phase!: string | null;

  @ApiProperty()
  isTransient!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  durationMs!: number;

  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Readonly<Record<string, unknown>>;
}

export const healthHistoryEntrySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'status',
    'success',
    'phase',
    'isTransient',
    'message',
    'durationMs',
    'checkedAt',
    'details',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: [...HealthStatuses] },
    success: { type: 'boolean' },
    phase: { type: ['string', 'null'] },
    isTransient: { type: 'boolean' },
    message: { type: 'string' },
    durationMs: { type: 'integer', minimum: 0 },
    checkedAt: { type: 'string', format: 'date-time' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function toHealthHistoryEntryDto(entry: HealthHistoryRecord): HealthHistoryEntryDto {
  return {
    id: entry.id,
    status: entry.status,
    success: entry.success,
    phase: entry.phase,
    isTransient: entry.isTransient,
    message: entry.message,
    durationMs: Math.max(0, Math.round(entry.durationMs)),
    checkedAt: entry.checkedAt,
    details: entry.details,
  };
}
