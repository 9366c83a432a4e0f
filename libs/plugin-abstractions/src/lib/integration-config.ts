import type { PluginHost } from './plugin-host';
import type { IntegrationProvider, IntegrationType } from './vocabulary';

/**
 * Resolves a registration's credentials at call time. Values are never cached by the accessor's
 * contract: call `get` where the secret is used, and do not keep it past the call.
 */
export interface SecretAccessor {
  /** The credential slots that have a reference configured. */
  readonly slots: readonly string[];
  has(slot: string): boolean;
  /**
   * Resolves a slot's reference to its value. Rejects with a `SecretUnavailableError` when the
   * slot has no reference or its store cannot produce the value; the error never holds the value.
   */
  get(slot: string, signal?: AbortSignal): Promise<string>;
}

/** What a plugin is given to test, check or operate one registration. */
export interface IntegrationConfig {
  /** The registration's id, or `null` when a draft is tested before it is saved. */
  readonly integrationId: string | null;
  readonly tenantId: string;
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider: IntegrationProvider;
  readonly endpoint: string;
  /**
   * The registration's settings, already validated against the plugin manifest's settings
   * schema. Secret settings (`writeOnly` in the schema) are here with their plain value; the host
   * redacts that value from the plugin's log lines and results, but never put it there.
   */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly secrets: SecretAccessor;
  /** The host services for this registration (its `fetch` carries the registration's TLS policy). */
  readonly host: PluginHost;
}
