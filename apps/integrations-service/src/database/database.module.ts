import type { OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Logger, Module } from '@nestjs/common';
import { Database } from '@stellaops/integrations-persistence';
import { loadLocalSecret } from '../config/local-secret';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { databaseLogger } from './database-logger';

export const LOCAL_CREDENTIALS_KEY_FILE = 'credentials-key';

/**
 * The key that encrypts credential references at rest: configured, or for the embedded database
 * one kept in its data folder. Replicas on PostgreSQL must share a configured key, so none is made.
 */
async function credentialsKey(config: ServiceConfig, logger: Logger): Promise<string | undefined> {
  if (config.credentialsKey !== undefined) return config.credentialsKey;
  if (config.databaseUrl === undefined) {
    const local = await loadLocalSecret(config.dataDir, LOCAL_CREDENTIALS_KEY_FILE);
    return Buffer.from(local.key).toString('base64');
  }
  logger.warn(
    'CREDENTIALS_ENCRYPTION_KEY is not set: credential references are stored unencrypted (set it to 32 random bytes, base64)',
  );
  return undefined;
}

/**
 * Opens the catalog's database once (PostgreSQL with DATABASE_URL, otherwise an embedded PostgreSQL in
 * the data folder), runs pending migrations, and closes it at shutdown. Other modules inject
 * `Database` and use its repositories and `transaction`.
 */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [SERVICE_CONFIG],
      useFactory: async (config: ServiceConfig): Promise<Database> => {
        const logger = new Logger('Database');
        const encryptionKey = await credentialsKey(config, logger);
        return Database.open({
          ...(encryptionKey === undefined ? {} : { encryptionKey }),
          ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
          ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
          dataDir: config.dataDir,
          logger: databaseLogger(logger),
        });
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
