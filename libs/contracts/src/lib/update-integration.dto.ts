import { ApiPropertyOptional } from '@nestjs/swagger';
import type { IntegrationStatus } from '@stellaops/integrations-core';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { ContractLimits } from './contract-limits';
import { IntegrationFieldRules } from './integration-field-rules';
import { IsStringRecord } from './is-string-record.validator';

/**
 * The statuses a caller may set. `disabled` takes a registration out of service (no polling, no
 * operations) and `active` puts it back; `pending` and `failed` describe what a connection test
 * found, so only a test sets them.
 */
export const USER_SETTABLE_STATUSES = [
  'active',
  'disabled',
] as const satisfies readonly IntegrationStatus[];
export type UserSettableStatus = (typeof USER_SETTABLE_STATUSES)[number];

/**
 * The body of `PATCH /api/v1/integrations/{id}`: every field optional, only the fields sent
 * change. `type` and `provider` are fixed at registration; any property not listed here is refused.
 * `settings` and `credentials` replace the stored objects as a whole.
 */
export class UpdateIntegrationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: ContractLimits.nameMaxLength })
  @IsOptional()
  @IntegrationFieldRules.name()
  name?: string;

  @ApiPropertyOptional({ maxLength: ContractLimits.endpointMaxLength })
  @IsOptional()
  @IntegrationFieldRules.endpoint()
  endpoint?: string;

  @ApiPropertyOptional({
    description: 'Replaces the settings; validated against the provider settings schema.',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Replaces the credential references (slot -> AuthRef URI).',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsStringRecord(ContractLimits.maxCredentialSlots)
  credentials?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      "'disabled' takes the registration out of service, 'active' puts it back. 'pending' and 'failed' are set by connection tests only.",
    enum: USER_SETTABLE_STATUSES,
  })
  @IsOptional()
  @IsIn(USER_SETTABLE_STATUSES)
  status?: UserSettableStatus;

  @ApiPropertyOptional({
    minimum: ContractLimits.minHealthCheckIntervalSeconds,
    maximum: ContractLimits.maxHealthCheckIntervalSeconds,
  })
  @IsOptional()
  @IntegrationFieldRules.healthCheckIntervalSeconds()
  healthCheckIntervalSeconds?: number;

  @ApiPropertyOptional({ type: [String], maxItems: ContractLimits.maxTags })
  @IsOptional()
  @IntegrationFieldRules.tags()
  tags?: string[];
}
