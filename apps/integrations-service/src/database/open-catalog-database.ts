import { Logger } from '@nestjs/common';
import { Database } from '@stellaops/integrations-persistence';
import { loadLocalSecret } from '../config/local-secret';
import type { ServiceConfig } from '../config/service-config';
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

const opening = new WeakMap<ServiceConfig, Promise<Database>>();

/**
 * Opens the catalog's database for this configuration, once: `main` starts it before the
 * application is assembled (the embedded server's start-up then overlaps module loading), and
 * the database module's provider takes the same promise.
 */
export function openCatalogDatabase(config: ServiceConfig): Promise<Database> {
  let database = opening.get(config);
  if (database === undefined) {
    database = (async () => {
      const logger = new Logger('Database');
      const encryptionKey = await credentialsKey(config, logger);
      return Database.open({
        ...(encryptionKey === undefined ? {} : { encryptionKey }),
        ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
        ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
        dataDir: config.dataDir,
        connectTimeoutMs: config.databaseTimeouts.connectMs,
        statementTimeoutMs: config.databaseTimeouts.statementMs,
        queryTimeoutMs: config.databaseTimeouts.queryMs,
        // The count bound of the health history's retention (the poller enforces the age bound).
        healthHistoryLimit: config.health.retention.maxEntries,
        logger: databaseLogger(logger),
      });
    })();
    opening.set(config, database);
  }
  return database;
}
