import { ApiProperty } from '@nestjs/swagger';
import type { HealthStatus, Integration } from '@stellaops/integrations-core';
import { HealthStatuses } from '@stellaops/integrations-core';
import type { HealthHistoryRecord } from './health-history-entry.dto';
import {
  HealthHistoryEntryDto,
  healthHistoryEntrySchema,
  toHealthHistoryEntryDto,
} from './health-history-entry.dto';

/** A registration's health as last recorded. */
export class CurrentHealthDto {
  @ApiProperty({ enum: HealthStatuses })
  status!: HealthStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastCheckedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  message!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  consecutiveFailures!: number;
}

/** Availability over one window ending now, computed from the health history. */
export class AvailabilityWindowDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The window, in seconds.' })
  windowSeconds!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 1,
    description:
      "The share of the known time in the window during which the integration was up (healthy or degraded); each check's status holds until the next one. Null when no check covers the window.",
  })
  availability!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Checks inside the window.' })
  checks!: number;

  @ApiProperty({ type: Number, minimum: 0 })
  upSeconds!: number;

  @ApiProperty({ type: Number, minimum: 0 })
  downSeconds!: number;

  @ApiProperty({
    type: Number,
    minimum: 0,
    description: 'Time not covered by a conclusive check (unknown, or before the first).',
  })
  unknownSeconds!: number;
}

export class AvailabilityDto {
  @ApiProperty({ type: AvailabilityWindowDto })
  last24h!: AvailabilityWindowDto;

  @ApiProperty({ type: AvailabilityWindowDto })
  last7d!: AvailabilityWindowDto;
}

/** `GET /api/v1/integrations/{id}/health`. */
export class IntegrationHealthDto {
  @ApiProperty({ type: CurrentHealthDto })
  current!: CurrentHealthDto;

  @ApiProperty({ type: AvailabilityDto })
  availability!: AvailabilityDto;

  @ApiProperty({ type: [HealthHistoryEntryDto], description: 'Newest first.' })
  history!: readonly HealthHistoryEntryDto[];
}

const currentHealthSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'lastCheckedAt', 'message', 'consecutiveFailures'],
  properties: {
    status: { type: 'string', enum: [...HealthStatuses] },
    lastCheckedAt: { type: ['string', 'null'], format: 'date-time' },
    message: { type: ['string', 'null'] },
    consecutiveFailures: { type: 'integer', minimum: 0 },
  },
} as const;

const availabilityWindowSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'windowSeconds',
    'availability',
    'checks',
    'upSeconds',
    'downSeconds',
    'unknownSeconds',
  ],
  properties: {
    windowSeconds: { type: 'integer', minimum: 1 },
    availability: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    checks: { type: 'integer', minimum: 0 },
    upSeconds: { type: 'number', minimum: 0 },
    downSeconds: { type: 'number', minimum: 0 },
    unknownSeconds: { type: 'number', minimum: 0 },
  },
} as const;

export const integrationHealthSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['current', 'availability', 'history'],
  properties: {
    current: currentHealthSchema,
    availability: {
      type: 'object',
      additionalProperties: false,
      required: ['last24h', 'last7d'],
      properties: { last24h: availabilityWindowSchema, last7d: availabilityWindowSchema },
    },
    history: { type: 'array', items: healthHistoryEntrySchema },
  },
} as const;

/** Seconds in the windows the health endpoint reports. */
export const AvailabilityWindows = { last24h: 86_400, last7d: 604_800 } as const;

export function toIntegrationHealthDto(
  integration: Integration,
  history: readonly HealthHistoryRecord[],
  availability: AvailabilityDto,
): IntegrationHealthDto {
  return {
    current: {
      status: integration.health,
      lastCheckedAt: integration.lastCheckedAt,
      message: integration.lastHealthMessage,
      consecutiveFailures: integration.consecutiveFailures,
    },
    availability,
    history: history.map(toHealthHistoryEntryDto),
  };
}
