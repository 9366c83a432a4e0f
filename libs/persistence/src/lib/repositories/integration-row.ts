import type {
  HealthStatus,
  Integration,
  IntegrationProvider,
  IntegrationStatus,
  IntegrationType,
} from '@stellaops/integrations-core';
import type { CredentialsCodec } from '../credentials-codec';
import { CredentialsDecryptionError } from '../errors/credentials-decryption.error';
import { toIso, toIsoOrNull } from '../sql/timestamps';

/** An `integrations` row as the repositories select it (`integrationColumns`). */
export interface IntegrationRow {
  id: string;
  tenant_id: string;
  name: string;
  type: string;
  provider: string;
  endpoint: string;
  settings: Record<string, unknown>;
  secret_settings: string[];
  credentials: unknown;
  status: string;
  health: string;
  last_checked_at: string | null;
  last_health_message: string | null;
  consecutive_failures: number;
  health_check_interval_seconds: number;
  tags: string[];
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
  version: number;
}

const COLUMN_NAMES = [
  'id',
  'tenant_id',
  'name',
  'type',
  'provider',
  'endpoint',
  'settings',
  'secret_settings',
  'credentials',
  'status',
  'health',
  'last_checked_at',
  'last_health_message',
  'consecutive_failures',
  'health_check_interval_seconds',
  'tags',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
  'version',
] as const satisfies readonly (keyof IntegrationRow)[];

/**
 * The select list of an `IntegrationRow`, qualified with `alias` when given. Every repository
 * that returns registrations selects exactly these, so one mapping reads them all.
 */
export function integrationColumns(alias?: string): string {
  return COLUMN_NAMES.map((name) => (alias ? `${alias}."${name}"` : `"${name}"`)).join(', ');
}

/**
 * The core model of a row, its credentials and secret settings decoded (see `readCredentials`
 * and `readSettings`).
 */
export function toIntegration(row: IntegrationRow, codec: CredentialsCodec): Integration {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    type: row.type as IntegrationType,
    provider: row.provider as IntegrationProvider,
    endpoint: row.endpoint,
    ...readSettings(row, codec),
    ...readCredentials(row, codec),
    status: row.status as IntegrationStatus,
    health: row.health as HealthStatus,
    lastCheckedAt: toIsoOrNull(row.last_checked_at),
    lastHealthMessage: row.last_health_message,
    consecutiveFailures: row.consecutive_failures,
    healthCheckIntervalSeconds: row.health_check_interval_seconds,
    tags: row.tags,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    version: row.version,
  };
}

/**
 * One row whose credentials cannot be decrypted (written under another key, or altered) must
 * not take the tenant's listing, or the poller's whole claim, down with it: the row is read with
 * no credentials and says why, and only what needs the credentials fails.
 */
function readCredentials(
  row: IntegrationRow,
  codec: CredentialsCodec,
): Pick<Integration, 'credentials' | 'credentialsUnreadable'> {
  try {
    return { credentials: codec.decode(row.credentials, row.tenant_id, row.id) };
  } catch (error) {
    if (!(error instanceof CredentialsDecryptionError)) throw error;
    return { credentials: {}, credentialsUnreadable: error.message };
  }
}

/**
 * Like the credentials, a secret setting that cannot be opened does not fail the read: it is left
 * out of the settings, still named among the secret ones, and the row says which and why.
 */
function readSettings(
  row: IntegrationRow,
  codec: CredentialsCodec,
): Pick<Integration, 'settings' | 'secretSettings' | 'settingsUnreadable'> {
  const decoded = codec.decodeSettings(row.settings, row.secret_settings, row.tenant_id, row.id);
  return {
    settings: decoded.settings,
    secretSettings: decoded.secretSettings,
    ...(decoded.unreadable === undefined ? {} : { settingsUnreadable: decoded.unreadable }),
  };
}
