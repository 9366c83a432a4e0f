import path from 'node:path';
import type { Provider } from '@nestjs/common';
import { Logger, Module } from '@nestjs/common';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { AuthoritySecretResolver } from './authority/authority-secret-resolver';
import { CachingSecretResolver } from './caching-secret-resolver';
import { EnvAllowList } from './env-allow-list';
import { EnvSecretResolver } from './env-secret-resolver';
import { FileSecretResolver } from './file-secret-resolver';
import type { SecretResolver } from './secret-resolver';
import { SECRET_RESOLVERS } from './secret-resolver';
import { SecretsService } from './secrets.service';
import { VaultSecretResolver } from './vault/vault-secret-resolver';

/** Where the tenants' folders of `authref://file/...` are when SECRETS_DIR is not set. */
export function secretsDirectory(config: ServiceConfig): string {
  return config.secretsDir ?? path.join(config.dataDir, 'secrets');
}

const CACHED_VAULT = 'INTEGRATIONS:SECRETS:CACHED_VAULT';
const CACHED_AUTHORITY = 'INTEGRATIONS:SECRETS:CACHED_AUTHORITY';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A credential sent over plain http leaves the machine readable: say so at start. */
function warnIfPlainHttp(url: string, variable: string, logger: Logger): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) {
    logger.warn(
      `${variable} is a plain http:// URL: the service's credential crosses the network unencrypted; use https://`,
    );
  }
}

/**
 * A remote store, behind the in-memory cache (SECRETS_CACHE_TTL_MS), or null when the store is
 * not configured: the cache is a provider of its own so that it is cleared at shutdown.
 */
function cachedStore(
  provide: string,
  store: typeof VaultSecretResolver | typeof AuthoritySecretResolver,
): Provider {
  return {
    provide,
    inject: [store, SERVICE_CONFIG],
    useFactory: (resolver: SecretResolver | null, config: ServiceConfig) =>
      resolver === null
        ? null
        : new CachingSecretResolver(resolver, {
            ttlMs: config.secretStores.cacheTtlMs,
            maxEntries: config.secretStores.cacheMaxEntries,
          }),
  };
}

/**
 * AuthRef resolution. A store is a `SecretResolver` provider added to the SECRET_RESOLVERS
 * factory's `inject` list; `SecretsService` finds it there. `vault` and `authority` are there
 * only when configured (VAULT_ADDR, AUTHORITY_URL): otherwise a reference to them is refused as
 * a store this service does not support.
 */
@Module({
  providers: [
    {
      provide: EnvSecretResolver,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => {
        const allowList = new EnvAllowList(config.secretsEnvAllow);
        const logger = new Logger('Secrets');
        for (const warning of allowList.warnings()) logger.warn(warning);
        return new EnvSecretResolver(allowList, process.env);
      },
    },
    {
      provide: FileSecretResolver,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => new FileSecretResolver(secretsDirectory(config)),
    },
    {
      provide: VaultSecretResolver,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => {
        const vault = config.secretStores.vault;
        if (vault === undefined) return null;
        warnIfPlainHttp(vault.address, 'VAULT_ADDR', new Logger('Secrets'));
        return VaultSecretResolver.fromConfig(vault);
      },
    },
    {
      provide: AuthoritySecretResolver,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => {
        const authority = config.secretStores.authority;
        if (authority === undefined) return null;
        warnIfPlainHttp(authority.url, 'AUTHORITY_URL', new Logger('Secrets'));
        return AuthoritySecretResolver.fromConfig(authority);
      },
    },
    cachedStore(CACHED_VAULT, VaultSecretResolver),
    cachedStore(CACHED_AUTHORITY, AuthoritySecretResolver),
    {
      provide: SECRET_RESOLVERS,
      inject: [EnvSecretResolver, FileSecretResolver, CACHED_VAULT, CACHED_AUTHORITY],
      useFactory: (...resolvers: (SecretResolver | null)[]): readonly SecretResolver[] =>
        resolvers.filter((resolver): resolver is SecretResolver => resolver !== null),
    },
    SecretsService,
  ],
  exports: [SecretsService],
})
export class SecretsModule {}
