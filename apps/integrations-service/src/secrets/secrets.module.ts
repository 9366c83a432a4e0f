import path from 'node:path';
import { Logger, Module } from '@nestjs/common';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { EnvAllowList } from './env-allow-list';
import { EnvSecretResolver } from './env-secret-resolver';
import { FileSecretResolver } from './file-secret-resolver';
import type { SecretResolver } from './secret-resolver';
import { SECRET_RESOLVERS } from './secret-resolver';
import { SecretsService } from './secrets.service';

/** Where the tenants' folders of `authref://file/...` are when SECRETS_DIR is not set. */
export function secretsDirectory(config: ServiceConfig): string {
  return config.secretsDir ?? path.join(config.dataDir, 'secrets');
}

/**
 * AuthRef resolution. A new store (vault, authority) is a `SecretResolver` provider added to the
 * SECRET_RESOLVERS factory's `inject` list; `SecretsService` finds it there.
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
      provide: SECRET_RESOLVERS,
      inject: [EnvSecretResolver, FileSecretResolver],
      useFactory: (...resolvers: SecretResolver[]): readonly SecretResolver[] => resolvers,
    },
    SecretsService,
  ],
  exports: [SecretsService],
})
export class SecretsModule {}
