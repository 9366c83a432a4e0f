import { ApiProperty } from '@nestjs/swagger';
import type { CheckPhase, CheckResult, HealthStatus } from '@stellaops/integrations-core';
import { CheckPhases, HealthStatuses } from '@stellaops/integrations-core';

/** A TestConnectionResult or HealthCheckResult, exactly as the plugin contract defines it. */
export class CheckResultDto {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ enum: HealthStatuses })
  status!: HealthStatus;

  @ApiProperty({ description: 'Human-readable; never holds a secret.' })
  message!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  durationMs!: number;

  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;

  @ApiProperty({ description: 'Whether the same call may succeed later without a change.' })
  isTransient!: boolean;

  @ApiProperty({
    enum: CheckPhases,
    nullable: true,
    description: 'The step that failed; null on success.',
  })
  phase!: CheckPhase | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Readonly<Record<string, unknown>>;
}

export const checkResultSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'success',
    'status',
    'message',
    'durationMs',
    'checkedAt',
    'isTransient',
    'phase',
    'details',
  ],
  properties: {
    success: { type: 'boolean' },
    status: { type: 'string', enum: [...HealthStatuses] },
    message: { type: 'string' },
    durationMs: { type: 'integer', minimum: 0 },
    checkedAt: { type: 'string', format: 'date-time' },
    isTransient: { type: 'boolean' },
    phase: { type: ['string', 'null'], enum: [...CheckPhases, null] },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function toCheckResultDto(result: CheckResult): CheckResultDto {
  return {
    success: result.success,
    status: result.status,
    message: result.message,
    // A third-party plugin may measure with sub-millisecond precision; the contract says integer.
    durationMs: Math.max(0, Math.round(result.durationMs)),
    checkedAt: result.checkedAt,
    isTransient: result.isTransient,
    phase: result.phase,
    details: result.details,
  };
}
