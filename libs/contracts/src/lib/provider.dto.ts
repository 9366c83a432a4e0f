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

/** The plugin that serves a provider on the replica that answered, and the package it came from. */
export class ProviderPluginDto {
  @ApiProperty({ example: 'github-app' })
  name!: string;

  @ApiProperty({ example: '@stellaops/integrations-plugin-github-app' })
  package!: string;

  @ApiProperty({ example: '0.1.0', description: "The package's version, from its package.json." })
  version!: string;
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

  @ApiProperty({
    type: ProviderPluginDto,
    description:
      'The plugin serving this provider on the replica that answered. Replicas may load different plugin sets: each answers for itself.',
  })
  plugin!: ProviderPluginDto;
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

const providerPluginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'package', 'version'],
  properties: {
    name: { type: 'string' },
    package: { type: 'string' },
    version: { type: 'string' },
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
    'plugin',
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
    plugin: providerPluginSchema,
  },
} as const;

/** A loaded plugin and the package (with its version) it was loaded from. */
export interface ProviderPlugin extends Pick<
  IntegrationConnectorPlugin,
  'name' | 'type' | 'provider' | 'manifest'
> {
  readonly packageName: string;
  readonly packageVersion: string;
}

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
    plugin: { name: plugin.name, package: plugin.packageName, version: plugin.packageVersion },
  };
}
