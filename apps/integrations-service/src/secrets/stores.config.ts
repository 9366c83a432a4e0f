import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.error';
import type { Env } from '../config/env-values';
import { integer, nonEmpty } from '../config/env-values';

/** How the service logs in to Vault: a token it is given, or an AppRole it logs in with. */
export type VaultAuthConfig =
  | { readonly method: 'token'; readonly token: string }
  | {
      readonly method: 'approle';
      readonly roleId: string;
      readonly secretId: string;
      /** VAULT_APPROLE_PATH: where the AppRole auth method is mounted (`approle`). */
      readonly mountPath: string;
    };

/** The `vault` store: HashiCorp Vault's KV version 2 secrets engine over HTTP. */
export interface VaultConfig {
  /** VAULT_ADDR, without a trailing slash. */
  readonly address: string;
  readonly auth: VaultAuthConfig;
  /** VAULT_NAMESPACE (Vault Enterprise), sent as X-Vault-Namespace. */
  readonly namespace: string | undefined;
  /** VAULT_TENANT_PREFIX: the segments put before every path, one of them `{tenant}`. */
  readonly tenantPrefix: readonly string[];
  /** VAULT_TIMEOUT_MS: the longest one resolution may take, login included. */
  readonly timeoutMs: number;
  /** VAULT_CA_FILE's certificates (PEM), trusted besides the public roots. */
  readonly caPem: string | undefined;
}

/** The service's credential for the Authority: a token, or a file read at every call. */
export type AuthorityCredential =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'file'; readonly path: string };

/** The `authority` store: the platform Authority's secret-resolution endpoint. */
export interface AuthorityConfig {
  /** AUTHORITY_URL, without a trailing slash. */
  readonly url: string;
  readonly credential: AuthorityCredential;
  /** AUTHORITY_TIMEOUT_MS: the longest one resolution may take. */
  readonly timeoutMs: number;
  /** AUTHORITY_CA_FILE's certificates (PEM), trusted besides the public roots. */
  readonly caPem: string | undefined;
}

/** The remote AuthRef stores' slice of the configuration (vault, authority, the cache). */
export interface SecretStoresConfig {
  /** SECRETS_CACHE_TTL_MS: how long a remote store's answer is kept in memory (0: never). */
  readonly cacheTtlMs: number;
  /** SECRETS_CACHE_MAX_ENTRIES: how many answers the cache of each remote store holds at most. */
  readonly cacheMaxEntries: number;
  /** Absent: VAULT_ADDR is not set, and the service has no `vault` store. */
  readonly vault: VaultConfig | undefined;
  /** Absent: AUTHORITY_URL is not set, and the service has no `authority` store. */
  readonly authority: AuthorityConfig | undefined;
}

export const TENANT_PLACEHOLDER = '{tenant}';

const DEFAULT_TENANT_PREFIX = `tenants/${TENANT_PLACEHOLDER}`;
/** What a Vault path segment of the configuration may hold: nothing a URL would re-interpret. */
const PATH_SEGMENT = /^[A-Za-z0-9_.~@+=-]+$/;

const VAULT_VARIABLES = [
  'VAULT_TOKEN',
  'VAULT_ROLE_ID',
  'VAULT_SECRET_ID',
  'VAULT_APPROLE_PATH',
  'VAULT_NAMESPACE',
  'VAULT_TENANT_PREFIX',
  'VAULT_TIMEOUT_MS',
  'VAULT_CA_FILE',
];
const AUTHORITY_VARIABLES = [
  'AUTHORITY_TOKEN',
  'AUTHORITY_TOKEN_FILE',
  'AUTHORITY_TIMEOUT_MS',
  'AUTHORITY_CA_FILE',
];

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}

/** An http(s) base URL with no credentials, query or fragment; returned without a trailing slash. */
function baseUrl(raw: string, name: string, example: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL (got '${raw}'); e.g. ${example}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an http:// or https:// URL (got '${raw}')`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${name} must not hold credentials: the service sends its own`);
  }
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`${name} must have no query string or fragment (got '${raw}')`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Slash-separated segments, leading and trailing slashes dropped; each a plain segment. */
function segments(raw: string, name: string, allowed: (segment: string) => boolean): string[] {
  const parts = raw.replace(/^\/+|\/+$/g, '').split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || !allowed(part)) {
      throw new ConfigError(
        `${name}: each segment is non-empty, not . or .., and uses letters, digits and _ . ~ @ + = - (got '${raw}')`,
      );
    }
  }
  return parts;
}

function caFile(env: Env, name: string): string | undefined {
  const file = nonEmpty(env, name);
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${name} cannot be read (${errorCode(error)})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`${name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

/** Every variable of `family` that is set, when the variable that enables the store is not. */
function strayVariables(env: Env, family: readonly string[]): string[] {
  return family.filter((name) => nonEmpty(env, name) !== undefined);
}

function vaultAuth(env: Env): VaultAuthConfig {
  const token = nonEmpty(env, 'VAULT_TOKEN');
  const roleId = nonEmpty(env, 'VAULT_ROLE_ID');
  const secretId = nonEmpty(env, 'VAULT_SECRET_ID');
  const approle = roleId !== undefined || secretId !== undefined;
  if (token !== undefined && approle) {
    throw new ConfigError(
      'set either VAULT_TOKEN or VAULT_ROLE_ID and VAULT_SECRET_ID (AppRole), not both',
    );
  }
  if (token !== undefined) {
    if (nonEmpty(env, 'VAULT_APPROLE_PATH') !== undefined) {
      throw new ConfigError('VAULT_APPROLE_PATH is for AppRole logins: set it with VAULT_ROLE_ID');
    }
    return { method: 'token', token };
  }
  if (!approle) {
    throw new ConfigError(
      'VAULT_ADDR needs a credential: VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID for an AppRole login',
    );
  }
  if (roleId === undefined || secretId === undefined) {
    throw new ConfigError(
      `an AppRole login needs both VAULT_ROLE_ID and VAULT_SECRET_ID (${roleId === undefined ? 'VAULT_ROLE_ID' : 'VAULT_SECRET_ID'} is not set)`,
    );
  }
  const mountPath = segments(
    nonEmpty(env, 'VAULT_APPROLE_PATH') ?? 'approle',
    'VAULT_APPROLE_PATH',
    (segment) => PATH_SEGMENT.test(segment),
  ).join('/');
  return { method: 'approle', roleId, secretId, mountPath };
}

function tenantPrefix(env: Env): string[] {
  const raw = nonEmpty(env, 'VAULT_TENANT_PREFIX') ?? DEFAULT_TENANT_PREFIX;
  const parts = segments(
    raw,
    'VAULT_TENANT_PREFIX',
    (segment) => segment === TENANT_PLACEHOLDER || PATH_SEGMENT.test(segment),
  );
  const placeholders = parts.filter((segment) => segment === TENANT_PLACEHOLDER).length;
  if (placeholders !== 1) {
    throw new ConfigError(
      `VAULT_TENANT_PREFIX must hold ${TENANT_PLACEHOLDER} once, as a whole segment, so that each tenant has a prefix of its own (got '${raw}'; e.g. ${DEFAULT_TENANT_PREFIX})`,
    );
  }
  return parts;
}

function loadVaultConfig(env: Env): VaultConfig | undefined {
  const address = nonEmpty(env, 'VAULT_ADDR');
  if (address === undefined) {
    const stray = strayVariables(env, VAULT_VARIABLES);
    if (stray.length > 0) {
      throw new ConfigError(
        `${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but VAULT_ADDR is not: set VAULT_ADDR to the Vault server (https://vault.example:8200) to open the vault store`,
      );
    }
    return undefined;
  }
  const namespace = nonEmpty(env, 'VAULT_NAMESPACE');
  return {
    address: baseUrl(address, 'VAULT_ADDR', 'https://vault.example:8200'),
    auth: vaultAuth(env),
    namespace:
      namespace === undefined
        ? undefined
        : segments(namespace, 'VAULT_NAMESPACE', (segment) => PATH_SEGMENT.test(segment)).join('/'),
    tenantPrefix: tenantPrefix(env),
    timeoutMs: integer(env, 'VAULT_TIMEOUT_MS', 5_000, 100, 120_000),
    caPem: caFile(env, 'VAULT_CA_FILE'),
  };
}

function authorityCredential(env: Env): AuthorityCredential {
  const token = nonEmpty(env, 'AUTHORITY_TOKEN');
  const file = nonEmpty(env, 'AUTHORITY_TOKEN_FILE');
  if (token !== undefined && file !== undefined) {
    throw new ConfigError('set either AUTHORITY_TOKEN or AUTHORITY_TOKEN_FILE, not both');
  }
  if (token !== undefined) return { kind: 'token', token };
  if (file === undefined) {
    throw new ConfigError(
      "AUTHORITY_URL needs the service's credential: AUTHORITY_TOKEN, or AUTHORITY_TOKEN_FILE (read at every call, so it may rotate)",
    );
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`AUTHORITY_TOKEN_FILE cannot be read (${errorCode(error)})`);
  }
  if (content.trim() === '') throw new ConfigError('AUTHORITY_TOKEN_FILE is empty');
  return { kind: 'file', path: file };
}

function loadAuthorityConfig(env: Env): AuthorityConfig | undefined {
  const url = nonEmpty(env, 'AUTHORITY_URL');
  if (url === undefined) {
    const stray = strayVariables(env, AUTHORITY_VARIABLES);
    if (stray.length > 0) {
      throw new ConfigError(
        `${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but AUTHORITY_URL is not: set AUTHORITY_URL to the Authority's base URL to open the authority store`,
      );
    }
    return undefined;
  }
  return {
    url: baseUrl(url, 'AUTHORITY_URL', 'https://authority.example'),
    credential: authorityCredential(env),
    timeoutMs: integer(env, 'AUTHORITY_TIMEOUT_MS', 5_000, 100, 120_000),
    caPem: caFile(env, 'AUTHORITY_CA_FILE'),
  };
}

/** Reads the remote stores' variables; throws a `ConfigError` naming the variable at fault. */
export function loadSecretStoresConfig(env: Env): SecretStoresConfig {
  return {
    cacheTtlMs: integer(env, 'SECRETS_CACHE_TTL_MS', 30_000, 0, 3_600_000),
    cacheMaxEntries: integer(env, 'SECRETS_CACHE_MAX_ENTRIES', 1_000, 1, 100_000),
    vault: loadVaultConfig(env),
    authority: loadAuthorityConfig(env),
  };
}
