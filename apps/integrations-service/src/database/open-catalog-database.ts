import { Logger } from '@nestjs/common';
import type { DatabaseOptions } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import { loadLocalSecret } from '../config/local-secret';
import type { ServiceConfig } from '../config/service-config';
import { databaseLogger } from './database-logger';

export const LOCAL_CREDENTIALS_KEY_FILE = 'credentials-key';

/**
 * The keys that encrypt credential references at rest: the configured ring, or for the embedded
 * database a key kept in its data folder (a one-key ring, named by its fingerprint as before).
 * Replicas on PostgreSQL must share configured keys, so none is made for them.
 */
export async function catalogKeyring(
  config: ServiceConfig,
  logger: { warn(message: string): void },
): Promise<DatabaseOptions['keyring']> {
  const { keyring } = config;
  if (keyring.source !== 'none') {
    return {
      keys: keyring.keys,
      ...(keyring.activeKeyId === undefined ? {} : { activeKeyId: keyring.activeKeyId }),
    };
  }
  if (config.databaseUrl === undefined) {
    const local = await loadLocalSecret(config.dataDir, LOCAL_CREDENTIALS_KEY_FILE);
    return { keys: [{ key: local.key }] };
  }
  logger.warn(
    'no encryption key is configured (INTEGRATIONS_ENCRYPTION_KEYS or CREDENTIALS_ENCRYPTION_KEY): credential references are stored unencrypted',
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
      const keyring = await catalogKeyring(config, logger);
      return Database.open({
        ...(keyring === undefined ? {} : { keyring }),
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
