import { ApiProperty } from '@nestjs/swagger';
import type { HealthStatus, Integration, IntegrationStatus } from '@stellaops/integrations-core';
import { HealthStatuses, IntegrationStatuses } from '@stellaops/integrations-core';

/**
 * A registration as the API shows it. The tenant is left out: it is always the caller's own, taken
 * from the token. `credentials` holds AuthRef URIs, never secret values, and `settings` leaves the
 * secret settings out (`secretSettings` names them).
 */
export class IntegrationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'scm' })
  type!: string;

  @ApiProperty({ example: 'github-app' })
  provider!: string;

  @ApiProperty()
  endpoint!: string;

  @ApiProperty({
    description:
      "The settings, without the secret ones: a setting the provider's settings schema marks `writeOnly` is encrypted at rest and never shown (not even masked), so that a client that sends back what it read keeps the stored value rather than overwriting it. `secretSettings` names those the registration holds.",
    type: 'object',
    additionalProperties: true,
  })
  settings!: Readonly<Record<string, unknown>>;

  @ApiProperty({
    description:
      'The names of the secret settings the registration holds (sorted), whose values are left out of `settings`. A PATCH `settings` that leaves one of them out keeps it; `null` removes it; a value replaces it.',
    type: [String],
  })
  secretSettings!: readonly string[];

  @ApiProperty({
    description:
      'False when a stored secret setting cannot be decrypted with the configured keys (it was written under another key, or altered). Test connection and health check then fail with phase `config`, naming the setting, until it is sent again (PATCH `settings` with it) or the key it was written with is restored; a PATCH of `settings` that leaves it out is refused.',
  })
  settingsReadable!: boolean;

  @ApiProperty({
    description: 'Credential slot -> AuthRef URI.',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  credentials!: Readonly<Record<string, string>>;

  @ApiProperty({
    description:
      'False when the stored credentials cannot be decrypted with the configured keys (they were written under another key, or altered). `credentials` is then empty, and test connection and health check fail with phase `config` until the credentials are registered again (PATCH `credentials`) or the key they were written with is restored.',
  })
  credentialsReadable!: boolean;

  @ApiProperty({ enum: IntegrationStatuses })
  status!: IntegrationStatus;

  @ApiProperty({ enum: HealthStatuses })
  health!: HealthStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastCheckedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  lastHealthMessage!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  consecutiveFailures!: number;

  @ApiProperty({ type: 'integer' })
  healthCheckIntervalSeconds!: number;

  @ApiProperty({ type: [String] })
  tags!: readonly string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty()
  createdBy!: string;

  @ApiProperty()
  updatedBy!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Also the ETag: "<version>".' })
  version!: number;
}

/** The JSON Schema of `IntegrationDto`, for Fastify's response serializer and for tests. */
export const integrationSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'name',
    'type',
    'provider',
    'endpoint',
    'settings',
    'secretSettings',
    'settingsReadable',
    'credentials',
    'credentialsReadable',
    'status',
    'health',
    'lastCheckedAt',
    'lastHealthMessage',
    'consecutiveFailures',
    'healthCheckIntervalSeconds',
    'tags',
    'createdAt',
    'updatedAt',
    'createdBy',
    'updatedBy',
    'version',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    type: { type: 'string' },
    provider: { type: 'string' },
    endpoint: { type: 'string' },
    settings: { type: 'object', additionalProperties: true },
    secretSettings: { type: 'array', items: { type: 'string' } },
    settingsReadable: { type: 'boolean' },
    credentials: { type: 'object', additionalProperties: { type: 'string' } },
    credentialsReadable: { type: 'boolean' },
    status: { type: 'string', enum: [...IntegrationStatuses] },
    health: { type: 'string', enum: [...HealthStatuses] },
    lastCheckedAt: { type: ['string', 'null'], format: 'date-time' },
    lastHealthMessage: { type: ['string', 'null'] },
    consecutiveFailures: { type: 'integer', minimum: 0 },
    healthCheckIntervalSeconds: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedBy: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

export function toIntegrationDto(integration: Integration): IntegrationDto {
  return {
    id: integration.id,
    name: integration.name,
    type: integration.type,
    provider: integration.provider,
    endpoint: integration.endpoint,
    settings: withoutSecretSettings(integration),
    secretSettings: [...integration.secretSettings],
    settingsReadable: integration.settingsUnreadable === undefined,
    credentials: integration.credentials,
    credentialsReadable: integration.credentialsUnreadable === undefined,
    status: integration.status,
    health: integration.health,
    lastCheckedAt: integration.lastCheckedAt,
    lastHealthMessage: integration.lastHealthMessage,
    consecutiveFailures: integration.consecutiveFailures,
    healthCheckIntervalSeconds: integration.healthCheckIntervalSeconds,
    tags: integration.tags,
    createdAt: integration.createdAt,
    updatedAt: integration.updatedAt,
    createdBy: integration.createdBy,
    updatedBy: integration.updatedBy,
    version: integration.version,
  };
}

/** The settings with every secret one left out: their values never leave the service. */
function withoutSecretSettings(integration: Integration): Record<string, unknown> {
  const secret = new Set(integration.secretSettings);
  return Object.fromEntries(
    Object.entries(integration.settings).filter(([name]) => !secret.has(name)),
  );
}
