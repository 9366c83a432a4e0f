import type {
  HealthStatus,
  IntegrationProvider,
  IntegrationStatus,
  IntegrationType,
} from '@stellaops/integrations-plugin-abstractions';

/** A registration: one tenant's connection to one external system. Timestamps are UTC ISO-8601. */
export interface Integration {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider: IntegrationProvider;
  readonly endpoint: string;
  /**
   * As the plugin receives them: secret settings (see `secretSettings`) with their plain value.
   * Never show them as they are: a response leaves the secret ones out.
   */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * The names of the registration's secret settings — those its plugin's settings schema marks
   * `writeOnly` — that it holds, sorted. They are encrypted at rest; an unreadable one (see
   * `settingsUnreadable`) is named here but missing from `settings`.
   */
  readonly secretSettings: readonly string[];
  /**
   * Set when a stored secret setting could not be decrypted (sealed under another key, or
   * altered): it is missing from `settings`, and tests and checks fail until it is sent again or
   * the key is restored. Says which setting and why, with no secret in it.
   */
  readonly settingsUnreadable?: string;
  /** Credential slot -> AuthRef URI. References only: never a secret value. */
  readonly credentials: Readonly<Record<string, string>>;
  /**
   * Set when the stored credentials could not be read (encrypted under another key, or altered):
   * `credentials` is then empty, and what needs them fails until they are registered again or
   * the key is restored. Says why, with no secret in it.
   */
  readonly credentialsUnreadable?: string;
  readonly status: IntegrationStatus;
  readonly health: HealthStatus;
  readonly lastCheckedAt: string | null;
  readonly lastHealthMessage: string | null;
  readonly consecutiveFailures: number;
  readonly healthCheckIntervalSeconds: number;
  /** Sorted and de-duplicated. */
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly updatedBy: string;
  /** Incremented by every change; the HTTP ETag. */
  readonly version: number;
}

export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 300;
export const MIN_HEALTH_CHECK_INTERVAL_SECONDS = 10;
export const MAX_HEALTH_CHECK_INTERVAL_SECONDS = 86_400;

/** A partial update; `type` and `provider` are fixed at registration. */
export interface IntegrationPatch {
  readonly name?: string;
  readonly endpoint?: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly credentials?: Readonly<Record<string, string>>;
  readonly status?: IntegrationStatus;
  readonly healthCheckIntervalSeconds?: number;
  readonly tags?: readonly string[];
}

/** Tags are compared and listed in one canonical form. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((tag) => tag.trim()).filter((tag) => tag !== ''))].sort();
}
