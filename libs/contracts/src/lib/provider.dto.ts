import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';

export class CredentialSlotDto {
  @ApiProperty({ example: 'privateKey' })
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty()
  required!: boolean;
}

/** One loaded provider plugin, as `GET /api/v1/providers` lists it. */
export class ProviderDto {
  @ApiProperty({ example: 'scm' })
  type!: string;

  @ApiProperty({ example: 'github-app' })
  provider!: string;

  @ApiProperty({ example: 'GitHub App' })
  displayName!: string;

  @ApiPropertyOptional()
  description?: string;

  @ApiProperty({ type: [String], example: ['test-connection', 'health-check'] })
  capabilities!: readonly string[];

  @ApiProperty({
    description: 'JSON Schema of the `settings` object.',
    type: 'object',
    additionalProperties: true,
  })
  settingsSchema!: Readonly<Record<string, unknown>>;

  @ApiProperty({ type: [CredentialSlotDto] })
  credentialSlots!: readonly CredentialSlotDto[];

  @ApiProperty({
    type: [String],
    description: 'Scopes or permissions the provider credential needs, as the provider names them.',
  })
  requiredScopes!: readonly string[];

  @ApiProperty({ example: '1.0' })
  contractVersion!: string;
}

const credentialSlotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'required'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    required: { type: 'boolean' },
  },
} as const;

export const providerSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    'provider',
    'displayName',
    'capabilities',
    'settingsSchema',
    'credentialSlots',
    'requiredScopes',
    'contractVersion',
  ],
  properties: {
    type: { type: 'string' },
    provider: { type: 'string' },
    displayName: { type: 'string' },
    description: { type: 'string' },
    capabilities: { type: 'array', items: { type: 'string' } },
    settingsSchema: { type: 'object', additionalProperties: true },
    credentialSlots: { type: 'array', items: credentialSlotSchema },
    requiredScopes: { type: 'array', items: { type: 'string' } },
    contractVersion: { type: 'string' },
  },
} as const;

export type ProviderPlugin = Pick<IntegrationConnectorPlugin, 'type' | 'provider' | 'manifest'>;

export function toProviderDto(plugin: ProviderPlugin): ProviderDto {
  const { manifest } = plugin;
  return {
    type: plugin.type,
    provider: plugin.provider,
    displayName: manifest.displayName,
    ...(manifest.description === undefined ? {} : { description: manifest.description }),
    capabilities: manifest.capabilities,
    settingsSchema: manifest.settingsSchema,
    credentialSlots: manifest.credentialSlots.map((slot) => ({
      name: slot.name,
      description: slot.description,
      required: slot.required,
    })),
    requiredScopes: manifest.requiredScopes,
    contractVersion: manifest.contractVersion,
  };
}
