import type { Capability } from './vocabulary';

/**
 * A JSON Schema document: draft-07, 2019-09 or 2020-12 (the default when `$schema` is absent),
 * kept structural so any schema fits.
 */
export interface JsonSchema {
  readonly $schema?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly [keyword: string]: unknown;
}

export interface CredentialSlot {
  /** The slot's key in a registration's `credentials` map, e.g. `privateKey`. */
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
}

export interface PluginManifest {
  readonly displayName: string;
  readonly description?: string;
  /** The contract version the plugin was built against (`CONTRACT_VERSION` at build time). */
  readonly contractVersion: string;
  /**
   * JSON Schema of the `settings` object. A top-level property with `writeOnly: true` is a
   * secret setting (a webhook secret, say, that the provider hands out rather than the operator
   * keeps in a secret store): the host encrypts its value at rest, never shows it in a response,
   * event, audit entry or log line, and keeps the stored value when an update leaves it out. The
   * plugin still receives the plain value in `config.settings`. `writeOnly` anywhere else (a
   * nested property, a `$ref`, an `allOf` branch) is refused at load: only whole top-level
   * settings are sealed. A secret that an operator can store elsewhere belongs in a credential
   * slot instead.
   */
  readonly settingsSchema: JsonSchema;
  readonly credentialSlots: readonly CredentialSlot[];
  /** Scopes or permissions the provider credential needs, as the provider names them. */
  readonly requiredScopes: readonly string[];
  readonly capabilities: readonly Capability[];
  /**
   * How long one `testConnection` or `checkHealth` of this plugin may take, in milliseconds
   * (100 to 300,000), when the provider is known to answer slowly (a token exchange and a
   * catalog walk, say). Without it the host's default applies (`CHECK_TIMEOUT_MS`, 10 s). The
   * host hands the limit to the plugin as `host.timeoutMs` and stops waiting a little after it.
   */
  readonly checkTimeoutMs?: number;
}

/** The bounds of `PluginManifest.checkTimeoutMs`. */
export const CHECK_TIMEOUT_BOUNDS_MS = { min: 100, max: 300_000 } as const;
