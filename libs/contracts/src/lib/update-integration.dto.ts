import { ApiPropertyOptional } from '@nestjs/swagger';
import type { IntegrationStatus } from '@stellaops/integrations-core';
import { IsIn, IsObject } from 'class-validator';
import { ContractLimits } from './contract-limits';
import { IntegrationFieldRules } from './integration-field-rules';
import { IsOptionalNotNull } from './is-optional-not-null.validator';
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
 * `settings` and `credentials` replace the stored objects as a whole, except for secret settings
 * (which the client cannot read back): one that `settings` leaves out is kept, and `null` for one
 * removes it. No field may be `null`: this is not a JSON merge patch, so `null` would be ambiguous;
 * each field's message says what to send.
 */
export class UpdateIntegrationDto {
  @ApiPropertyOptional({
    description: 'Trimmed and normalised to NFC. Not null.',
    minLength: 1,
    maxLength: ContractLimits.nameMaxLength,
  })
  @IntegrationFieldRules.name()
  @IsOptionalNotNull('a registration always has a name; leave the field out to keep it')
  name?: string;

  @ApiPropertyOptional({ description: 'Not null.', maxLength: ContractLimits.endpointMaxLength })
  @IntegrationFieldRules.endpoint()
  @IsOptionalNotNull('a registration always has an endpoint; leave the field out to keep it')
  endpoint?: string;

  @ApiPropertyOptional({
    description:
      "Replaces the settings; validated against the provider settings schema. Secret settings (`writeOnly` in the schema, named in the registration's `secretSettings`) are the exception, since they cannot be read back: one left out keeps its stored value, `null` for one removes it (400 when the schema requires it), and a value replaces it; one whose stored value cannot be decrypted must be sent again or set to `null`. Not null: send {} for no settings but the secret ones.",
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  @IsOptionalNotNull('send {} for no settings, or leave the field out to keep them')
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Replaces the credential references (slot -> AuthRef URI). Not null: send {} for none.',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsStringRecord(ContractLimits.maxCredentialSlots)
  @IsOptionalNotNull('send {} for no credentials, or leave the field out to keep them')
  credentials?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      "'disabled' takes the registration out of service, 'active' puts it back. 'pending' and 'failed' are set by connection tests only. Not null.",
    enum: USER_SETTABLE_STATUSES,
  })
  @IsIn(USER_SETTABLE_STATUSES)
  @IsOptionalNotNull("send 'active' or 'disabled', or leave the field out to keep the status")
  status?: UserSettableStatus;

  @ApiPropertyOptional({
    description: 'Not null: send 300 for the default interval.',
    minimum: ContractLimits.minHealthCheckIntervalSeconds,
    maximum: ContractLimits.maxHealthCheckIntervalSeconds,
  })
  @IntegrationFieldRules.healthCheckIntervalSeconds()
  @IsOptionalNotNull('send a number of seconds (300 is the default), or leave the field out')
  healthCheckIntervalSeconds?: number;

  @ApiPropertyOptional({
    description:
      'Replaces the tags (trimmed, NFC, de-duplicated, sorted). Not null: send [] for none.',
    type: [String],
    maxItems: ContractLimits.maxTags,
  })
  @IntegrationFieldRules.tags()
  @IsOptionalNotNull('send [] to remove every tag, or leave the field out to keep them')
  tags?: string[];
}
