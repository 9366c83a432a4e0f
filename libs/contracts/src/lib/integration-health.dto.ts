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

/** `GET /api/v1/integrations/{id}/health`. */
export class IntegrationHealthDto {
  @ApiProperty({ type: CurrentHealthDto })
  current!: CurrentHealthDto;

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

export const integrationHealthSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['current', 'history'],
  properties: {
    current: currentHealthSchema,
    history: { type: 'array', items: healthHistoryEntrySchema },
  },
} as const;

export function toIntegrationHealthDto(
  integration: Integration,
  history: readonly HealthHistoryRecord[],
): IntegrationHealthDto {
  return {
    current: {
      status: integration.health,
      lastCheckedAt: integration.lastCheckedAt,
      message: integration.lastHealthMessage,
      consecutiveFailures: integration.consecutiveFailures,
    },
    history: history.map(toHealthHistoryEntryDto),
  };
}
