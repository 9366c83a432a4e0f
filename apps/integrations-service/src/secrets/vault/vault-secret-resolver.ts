import type { LoggerService, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';
import type { Deadline, RemoteAnswer } from '../remote-store-client';
import { RemoteStoreClient } from '../remote-store-client';
import type { SecretAccessContext } from '../secret-access-context';
import { SecretResolutionError } from '../secret-resolution.error';
import type { SecretResolver } from '../secret-resolver';
import type { VaultConfig } from '../stores.config';
import { AppRoleLogin } from './app-role-login';
import { apiPath, isObject, vaultErrorText, vaultFailure } from './vault-answer';
import type { VaultLocation } from './vault-location';
import { dataPath, describeSecret, tenantPolicyPath, vaultLocation } from './vault-location';
import type { VaultTokenSource } from './vault-token-source';
import { StaticVaultToken } from './vault-token-source';

function namespaceHeaders(config: VaultConfig): Readonly<Record<string, string>> {
  return config.namespace === undefined ? {} : { 'x-vault-namespace': config.namespace };
}

/** Field names listed in a message, at most. */
const MAX_LISTED_FIELDS = 10;

export interface VaultSecretResolverOptions {
  readonly logger?: LoggerService;
  /** Milliseconds on a monotonic clock, for the token's lease. */
  readonly now?: () => number;
}

/**
 * `authref://vault/<mount>/<path>[@<version>][#<field>]`: a field of a secret in HashiCorp
 * Vault's KV version 2 engine at `mount`, under the tenant's prefix (VAULT_TENANT_PREFIX), read
 * at each call with the service's own token (VAULT_TOKEN or an AppRole login). Without `#field`,
 * a secret with exactly one field gives that field. Not found, permission denied and deleted or
 * destroyed versions are permanent failures; a sealed, failing, slow or unreachable Vault is a
 * transient one, within VAULT_TIMEOUT_MS.
 */
export class VaultSecretResolver implements SecretResolver, OnApplicationShutdown {
  readonly store = 'vault';
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    private readonly config: VaultConfig,
    private readonly client: RemoteStoreClient,
    private readonly tokens: VaultTokenSource,
    private readonly logger: LoggerService,
  ) {
    this.headers = namespaceHeaders(config);
  }

  static fromConfig(
    config: VaultConfig,
    options: VaultSecretResolverOptions = {},
  ): VaultSecretResolver {
    const logger = options.logger ?? new Logger('Secrets');
    const client = new RemoteStoreClient({
      name: 'Vault',
      baseUrl: config.address,
      baseUrlVariable: 'VAULT_ADDR',
      timeoutMs: config.timeoutMs,
      timeoutVariable: 'VAULT_TIMEOUT_MS',
      caPem: config.caPem,
      caVariable: 'VAULT_CA_FILE',
    });
    const tokens =
      config.auth.method === 'token'
        ? new StaticVaultToken(config.auth.token)
        : new AppRoleLogin(client, config.auth, namespaceHeaders(config), logger, options.now);
    return new VaultSecretResolver(config, client, tokens, logger);
  }

  refusal(ref: AuthRef, tenantId: string): string | undefined {
    const location = vaultLocation(ref, tenantId, this.config.tenantPrefix);
    return 'refusal' in location ? location.refusal : undefined;
  }

  async resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string> {
    const location = vaultLocation(ref, context.tenantId, this.config.tenantPrefix);
    if ('refusal' in location) throw new SecretResolutionError(location.refusal);
    const deadline = this.client.deadline(signal);
    let token = await this.tokens.token(deadline);
    let answer = await this.read(location, token, deadline);
    // A token revoked or expired early answers 403 as a missing policy does; only a token that
    // Vault no longer knows is replaced (a new login may use up a limited secret ID).
    if (
      answer.status === 403 &&
      this.tokens.replaceable &&
      !(await this.isKnown(token, deadline))
    ) {
      this.tokens.invalidate(token);
      token = await this.tokens.token(deadline);
      answer = await this.read(location, token, deadline);
    }
    return this.valueOf(answer, location);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.tokens.close();
    } catch (error) {
      this.logger.warn(
        `could not revoke the service's Vault token at shutdown (${error instanceof Error ? error.message : String(error)}); it lapses at the end of its lease`,
      );
    } finally {
      this.client.close();
    }
  }

  private read(location: VaultLocation, token: string, deadline: Deadline): Promise<RemoteAnswer> {
    const path = apiPath(location.mount, 'data', ...location.prefix, ...location.path);
    const query = location.version === undefined ? '' : `?version=${location.version}`;
    return this.client.request(
      {
        method: 'GET',
        path: `${path}${query}`,
        headers: { ...this.headers, 'x-vault-token': token },
        idempotent: true,
      },
      deadline,
    );
  }

  private async isKnown(token: string, deadline: Deadline): Promise<boolean> {
    const answer = await this.client.request(
      {
        method: 'GET',
        path: apiPath('auth', 'token', 'lookup-self'),
        headers: { ...this.headers, 'x-vault-token': token },
        idempotent: true,
      },
      deadline,
    );
    return answer.status !== 403;
  }

  private valueOf(answer: RemoteAnswer, location: VaultLocation): string {
    const what = describeSecret(location);
    const payload = isObject(answer.body) ? answer.body['data'] : undefined;
    const metadata = isObject(payload) ? payload['metadata'] : undefined;
    if (answer.status === 200 || answer.status === 404) {
      // A deleted or destroyed version answers with its metadata and no data (404, or 200).
      if (isObject(payload) && payload['data'] === null && isObject(metadata)) {
        throw this.gone(location, metadata);
      }
    }
    if (answer.status === 404) {
      if (/no handler for route/i.test(vaultErrorText(answer) ?? '')) {
        throw new SecretResolutionError(
          `no secrets engine is mounted at '${location.mount}' in Vault${this.inNamespace()}: the reference's first segment is the KV version 2 mount`,
        );
      }
      throw new SecretResolutionError(
        `${what} does not exist for this tenant (Vault path ${dataPath(location)}${this.inNamespace()})`,
      );
    }
    if (answer.status === 403) {
      throw new SecretResolutionError(
        `the service's Vault token may not read ${dataPath(location)} (403 permission denied): its policy needs path "${tenantPolicyPath(location)}" { capabilities = ["read"] }${this.config.auth.method === 'token' ? ', and VAULT_TOKEN must be valid' : ''}`,
      );
    }
    if (answer.status !== 200) throw vaultFailure(answer, `read ${dataPath(location)}`);
    const data = isObject(payload) ? payload['data'] : undefined;
    if (!isObject(data) || !isObject(metadata)) {
      throw new SecretResolutionError(
        `Vault's answer for ${dataPath(location)} is not a KV version 2 secret: is '${location.mount}' a KV version 2 mount, and VAULT_ADDR a Vault server?`,
      );
    }
    return fieldOf(data, location, what);
  }

  private gone(location: VaultLocation, metadata: Record<string, unknown>): SecretResolutionError {
    const version =
      typeof metadata['version'] === 'number' ? metadata['version'] : location.version;
    const what = `version ${version ?? '?'} of vault secret '${location.mount}/${location.path.join('/')}'`;
    if (metadata['destroyed'] === true) {
      return new SecretResolutionError(
        `${what} was destroyed and cannot be recovered: write a new version, or reference another one (…@<version>)`,
      );
    }
    const deletedAt = metadata['deletion_time'];
    const when = typeof deletedAt === 'string' && deletedAt !== '' ? ` at ${deletedAt}` : '';
    const secretPath = [...location.prefix, ...location.path].join('/');
    return new SecretResolutionError(
      `${what} was deleted${when}: undelete it (vault kv undelete -mount=${location.mount} -versions=${version ?? '<version>'} ${secretPath}), or reference another version (…@<version>)`,
    );
  }

  private inNamespace(): string {
    return this.config.namespace === undefined ? '' : ` namespace ${this.config.namespace}`;
  }
}

/** The referenced field of a secret's data: `#key`, or the only one. */
function fieldOf(data: Record<string, unknown>, location: VaultLocation, what: string): string {
  const fields = Object.keys(data).sort();
  let key = location.key;
  if (key === undefined) {
    if (fields.length === 0) throw new SecretResolutionError(`${what} has no fields`);
    if (fields.length > 1) {
      const listed =
        fields.length > MAX_LISTED_FIELDS
          ? `${fields.slice(0, MAX_LISTED_FIELDS).join(', ')}, …`
          : fields.join(', ');
      throw new SecretResolutionError(
        `${what} has ${fields.length} fields (${listed}): name one with #<field>`,
      );
    }
    key = fields[0] ?? '';
  }
  if (!Object.hasOwn(data, key)) throw new SecretResolutionError(`${what} has no field '${key}'`);
  const value = data[key];
  if (typeof value !== 'string') {
    throw new SecretResolutionError(`field '${key}' of ${what} is not a string`);
  }
  if (value === '') throw new SecretResolutionError(`field '${key}' of ${what} is empty`);
  return value;
}
