import 'reflect-metadata';
import { Database } from '@stellaops/integrations-persistence';
import { ConfigError } from './config/config.error';
import { loadServiceConfig } from './config/service-config';
import { catalogKeyring } from './database/open-catalog-database';
import { rotateKeys, rotationVerdict } from './keys/key-rotation';
import { parseRotateKeysArgs, ROTATE_KEYS_USAGE } from './keys/rotate-keys-options';
import { RotateKeysUsageError } from './keys/rotate-keys-usage.error';
import { rotationReporterFor } from './keys/rotation-reporter';

const PREFIX = 'rotate-keys';

function say(line: string): void {
  process.stdout.write(`${PREFIX}: ${line}\n`);
}

function warn(line: string): void {
  process.stderr.write(`${PREFIX}: ${line}\n`);
}

/**
 * `npm run rotate-keys`: re-encrypts every registration's credentials and secret settings with
 * the active key, while the service runs (see the service README, "Encryption keys and
 * rotation").
 */
async function main(): Promise<number> {
  const options = parseRotateKeysArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${ROTATE_KEYS_USAGE}\n`);
    return 0;
  }
  const config = loadServiceConfig();
  if (config.keyring.source === 'none' && config.databaseUrl !== undefined) {
    throw new ConfigError(
      'no encryption key is configured: set INTEGRATIONS_ENCRYPTION_KEYS and INTEGRATIONS_ENCRYPTION_ACTIVE_KEY (or CREDENTIALS_ENCRYPTION_KEY) as the service has them',
    );
  }
  const keyring = await catalogKeyring(config, { warn });
  const database = await Database.open({
    ...(keyring === undefined ? {} : { keyring }),
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
    dataDir: config.dataDir,
    // The service owns the schema: a rotation against a database it has not migrated yet
    // stops below rather than migrating behind its back.
    migrationsRun: false,
    poolSize: 2,
    connectTimeoutMs: config.databaseTimeouts.connectMs,
    statementTimeoutMs: config.databaseTimeouts.statementMs,
    queryTimeoutMs: config.databaseTimeouts.queryMs,
    logger: { info: () => undefined, warn },
  });
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) process.exit(130);
    warn(`${signal}: stopping after the batch in flight (again to stop at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const pending = await database.pendingMigrations();
    if (pending.length > 0) {
      throw new ConfigError(
        `the database has migrations not yet applied (${pending.join(', ')}): run \`npm run migrate\` (or start the service) first`,
      );
    }
    const active = database.credentialsRotation.activeKeyId;
    if (active !== undefined) {
      say(
        `rotating credentials and secret settings to key ${active} (keys: ${database.credentialsRotation.keyIds.join(', ')}), ${options.batchSize} rows a batch`,
      );
    }
    const outcome = await rotateKeys(
      database.credentialsRotation,
      options,
      rotationReporterFor(process.stdout, process.stderr),
      stop.signal,
    );
    const verdict = rotationVerdict(outcome, options);
    for (const line of verdict.lines) (verdict.exitCode === 0 ? say : warn)(line);
    return verdict.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await database.close();
  }
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof RotateKeysUsageError) {
      warn(message);
      process.exitCode = 2;
      return;
    }
    warn(`${error instanceof ConfigError ? 'configuration error' : 'failed'}: ${message}`);
    if (!(error instanceof ConfigError)) warn('nothing is lost: run rotate-keys again to resume');
    process.exitCode = 1;
  },
);
