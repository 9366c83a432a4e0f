import path from 'node:path';
import { parseEnvAllowList } from '../secrets/env-allow-list';
import { parseTenantStores } from '../secrets/tenant-stores';
import { ConfigError } from './config.error';
import type { Env } from './env-values';
import { flag, integer, nonEmpty } from './env-values';
import type { AuditConfig } from '../audit/audit.config';
import { loadAuditConfig } from '../audit/audit.config';
import type { EventsConfig } from '../events/events.config';
import { loadEventsConfig } from '../events/events.config';
import type { HealthConfig } from '../health/health.config';
import { loadHealthConfig } from '../health/health.config';
import type { KeyringConfig } from '../keys/keyring.config';
import { loadKeyringConfig } from '../keys/keyring.config';
import type { LoggingConfig } from '../observability/logging/logging.config';
import { loadLoggingConfig } from '../observability/logging/logging.config';
import type { MetricsConfig } from '../observability/metrics/metrics.config';
import { loadMetricsConfig } from '../observability/metrics/metrics.config';
import type { SecretStoresConfig } from '../secrets/stores.config';
import { loadSecretStoresConfig } from '../secrets/stores.config';
import type { OutboundConfig } from './outbound-config';
import { loadOutboundConfig } from './outbound-config';

export type AuthConfig =
  | { readonly mode: 'hs256'; readonly secret: string }
  | {
      readonly mode: 'jwks';
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience: string;
    }
  /** No key configured: a secret is made in the data folder and a ready token printed. */
  | { readonly mode: 'local' };

export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL; absent -> an embedded PostgreSQL server in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly databaseSchema: string | undefined;
  /**
   * Bounds on every database wait (see the persistence library): opening or borrowing a
   * connection, a statement on the server, an answer on the client.
   */
  readonly databaseTimeouts: {
    readonly connectMs: number;
    readonly statementMs: number;
    readonly queryMs: number;
  };
  readonly dataDir: string;
  readonly auth: AuthConfig;
  /** Package names of third-party plugins to load besides the built-in ones. */
  readonly plugins: readonly string[];
  readonly bodyLimitBytes: number;
  /** How long a client may take to send a whole request (headers and body): then 408. */
  readonly requestTimeoutMs: number;
  /** How long a client may take to send a request's headers: then 408. */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How long one test connection or health check may take. */
  readonly checkTimeoutMs: number;
  /** Holds one folder per tenant for the `file` AuthRef store; a reference cannot leave its tenant's. */
  readonly secretsDir: string | undefined;
  /** SECRETS_ENV_ALLOW: the variable names and `PREFIX*`es the `env` store may resolve. */
  readonly secretsEnvAllow: readonly string[];
  /** SECRETS_TENANT_STORES: the stores each tenant (or `*`) may use; undefined: every store. */
  readonly secretsTenantStores: ReadonlyMap<string, readonly string[]> | undefined;
  /** Print a ready local token at start (the local default). */
  readonly printToken: boolean;
  /** The plugins' way out: OUTBOUND_ALLOW_CIDRS, the proxy variables, OUTBOUND_MAX_REDIRECTS. */
  readonly outbound: OutboundConfig;
  /** Each module's own slice, handed to that module alone (its `forRoot`). */
  readonly health: HealthConfig;
  readonly events: EventsConfig;
  readonly metrics: MetricsConfig;
  readonly logging: LoggingConfig;
  readonly secretStores: SecretStoresConfig;
  /** The keys that encrypt credentials at rest; the embedded mode makes one in `dataDir`. */
  readonly keyring: KeyringConfig;
  readonly audit: AuditConfig;
}

function authConfig(env: Env): AuthConfig {
  const secret = nonEmpty(env, 'AUTH_JWT_SECRET');
  const jwksUrl = nonEmpty(env, 'AUTH_JWKS_URL');
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  }
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < 32) {
      throw new ConfigError(
        'AUTH_JWT_SECRET must be at least 32 bytes (HS256 needs a 256-bit key)',
      );
    }
    return { mode: 'hs256', secret };
  }
  if (jwksUrl !== undefined) {
    const issuer = nonEmpty(env, 'AUTH_ISSUER');
    const audience = nonEmpty(env, 'AUTH_AUDIENCE');
    if (issuer === undefined || audience === undefined) {
      throw new ConfigError('AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE as well');
    }
    try {
      new URL(jwksUrl);
    } catch {
      throw new ConfigError(`AUTH_JWKS_URL is not a URL (got '${jwksUrl}')`);
    }
    return { mode: 'jwks', jwksUrl, issuer, audience };
  }
  return { mode: 'local' };
}

/** Reads and validates the configuration; throws a `ConfigError` naming the variable at fault. */
export function loadServiceConfig(env: Env = process.env): ServiceConfig {
  const databaseUrl = nonEmpty(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const auth = authConfig(env);
  const secretsDir = nonEmpty(env, 'SECRETS_DIR');
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs}): the headers are part of the request`,
    );
  }
  const databaseTimeouts = {
    connectMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    statementMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5_000, 100, 3_600_000),
    queryMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 7_000, 100, 3_600_000),
  };
  if (databaseTimeouts.queryMs <= databaseTimeouts.statementMs) {
    throw new ConfigError(
      `DATABASE_QUERY_TIMEOUT_MS (${databaseTimeouts.queryMs}) must exceed DATABASE_STATEMENT_TIMEOUT_MS (${databaseTimeouts.statementMs}), so that a slow statement is cancelled by the server before the client gives up on it`,
    );
  }
  // CHECK_TIMEOUT_MS is read once, by the health slice; the plugin host takes it from there.
  const health = loadHealthConfig(env);
  return {
    host: nonEmpty(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65_535),
    databaseUrl,
    databaseSchema: nonEmpty(env, 'DATABASE_SCHEMA'),
    databaseTimeouts,
    dataDir: path.resolve(nonEmpty(env, 'DATA_DIR') ?? '.data'),
    auth,
    plugins: (nonEmpty(env, 'INTEGRATIONS_PLUGINS') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1_024, 64 * 1_048_576),
    requestTimeoutMs,
    headersTimeoutMs,
    // The gateway in front of a replica may retry: keep idle sockets a little longer than it does.
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 100, 3_600_000),
    checkTimeoutMs: health.checkTimeoutMs,
    secretsDir: secretsDir === undefined ? undefined : path.resolve(secretsDir),
    secretsEnvAllow: parseEnvAllowList(env['SECRETS_ENV_ALLOW']),
    secretsTenantStores: parseTenantStores(env['SECRETS_TENANT_STORES']),
    printToken: flag(env, 'PRINT_TOKEN', auth.mode === 'local'),
    outbound: loadOutboundConfig(env),
    health,
    events: loadEventsConfig(env),
    metrics: loadMetricsConfig(env),
    logging: loadLoggingConfig(env),
    secretStores: loadSecretStoresConfig(env),
    keyring: loadKeyringConfig(env),
    audit: loadAuditConfig(env),
  };
}
