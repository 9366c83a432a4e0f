import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Length } from 'class-validator';
import { ContractLimits } from './contract-limits';
import { IntegrationFieldRules } from './integration-field-rules';
import { IsOptionalNotNull } from './is-optional-not-null.validator';
import { IsStringRecord } from './is-string-record.validator';

/** The body of `POST /api/v1/integrations` and of `POST /api/v1/integrations/test` (a draft). */
export class RegisterIntegrationDto {
  @ApiProperty({
    description:
      'Unique within the tenant; trimmed and normalised to NFC; no control, format (bidi, zero-width) or separator characters.',
    minLength: 1,
    maxLength: ContractLimits.nameMaxLength,
    example: 'github-main',
  })
  @IntegrationFieldRules.name()
  name!: string;

  @ApiProperty({
    description: "The integration type; must be the provider's type (see GET /api/v1/providers).",
    maxLength: ContractLimits.identifierMaxLength,
    example: 'scm',
  })
  @IsString()
  @Length(1, ContractLimits.identifierMaxLength)
  type!: string;

  @ApiProperty({
    description: 'A provider loaded in this service (see GET /api/v1/providers).',
    maxLength: ContractLimits.identifierMaxLength,
    example: 'github-app',
  })
  @IsString()
  @Length(1, ContractLimits.identifierMaxLength)
  provider!: string;

  @ApiProperty({
    description: 'The base URL of the provider: absolute http(s), without user name or password.',
    maxLength: ContractLimits.endpointMaxLength,
    example: 'https://api.github.com',
  })
  @IntegrationFieldRules.endpoint()
  endpoint!: string;

  @ApiProperty({
    description:
      "Settings, validated against the provider's settings schema. A setting the schema marks `writeOnly` is a secret setting (a webhook secret, say): it is encrypted at rest, handed to the plugin as given, and never shown again (responses leave it out and name it in `secretSettings`). A secret kept in a secret store belongs in `credentials` instead, as an AuthRef.",
    type: 'object',
    additionalProperties: true,
    default: {},
  })
  @IsObject()
  settings: Record<string, unknown> = {};

  @ApiProperty({
    description:
      "Credential slot -> AuthRef URI (authref://<store>/<path>[#key]); slots from the provider's manifest. Plaintext secrets are refused.",
    type: 'object',
    additionalProperties: { type: 'string' },
    default: {},
    example: { privateKey: 'authref://env/GITHUB_APP_KEY' },
  })
  @IsStringRecord(ContractLimits.maxCredentialSlots)
  credentials: Record<string, string> = {};

  @ApiPropertyOptional({
    description: 'Seconds between health checks (default 300). Not null.',
    minimum: ContractLimits.minHealthCheckIntervalSeconds,
    maximum: ContractLimits.maxHealthCheckIntervalSeconds,
  })
  @IntegrationFieldRules.healthCheckIntervalSeconds()
  @IsOptionalNotNull('leave the field out for the default interval')
  healthCheckIntervalSeconds?: number;

  @ApiPropertyOptional({
    description:
      'Free labels, trimmed, normalised to NFC, de-duplicated and sorted; the same characters as a name. Not null.',
    type: [String],
    maxItems: ContractLimits.maxTags,
  })
  @IntegrationFieldRules.tags()
  @IsOptionalNotNull('leave the field out, or send [], for no tags')
  tags?: string[];
}
