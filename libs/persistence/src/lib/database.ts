import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { MigrationExecutor } from 'typeorm';
import type { Backend, DatabaseKind } from './backends/backend';
import { openEmbeddedBackend } from './backends/open-embedded-backend';
import type { PostgresTimeouts } from './backends/open-postgres-backend';
import { openPostgresBackend } from './backends/open-postgres-backend';
import { CredentialsCodec } from './credentials-codec';
import type { DatabaseLogger, DatabaseOptions } from './database-options';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DATA_DIR,
  DEFAULT_HEALTH_HISTORY_LIMIT,
  DEFAULT_POOL_SIZE,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_SCHEMA,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  IN_MEMORY_DATA_DIR,
} from './database-options';
import type { AuditLogRepository } from './repositories/audit-log-repository';
import type { CredentialsRotationRepository } from './repositories/credentials-rotation-repository';
import type { EventOutboxRepository } from './repositories/event-outbox-repository';
import type { HealthHistoryRepository } from './repositories/health-history-repository';
import type { HealthPollRepository } from './repositories/health-poll-repository';
import type { IntegrationRepository } from './repositories/integration-repository';
import type { LeaseRepository } from './repositories/lease-repository';
import { SqlAuditLogRepository } from './repositories/sql-audit-log-repository';
import { SqlCredentialsRotationRepository } from './repositories/sql-credentials-rotation-repository';
import { SqlEventOutboxRepository } from './repositories/sql-event-outbox-repository';
import { SqlHealthHistoryRepository } from './repositories/sql-health-history-repository';
import { SqlHealthPollRepository } from './repositories/sql-health-poll-repository';
import { SqlIntegrationRepository } from './repositories/sql-integration-repository';
import { SqlLeaseRepository } from './repositories/sql-lease-repository';
import type { SqlExecutor } from './sql/sql-executor';
import { PooledSqlExecutor, TransactionSqlExecutor } from './sql/sql-executor';
import type { TableNames } from './sql/sql-identifiers';
import { assertSchemaName, quoteIdent, tableNames } from './sql/sql-identifiers';
import type { UnitOfWork } from './unit-of-work';

/** Marks the async context of a running `transaction` callback. */
interface TransactionScope {
  active: boolean;
}

interface DatabaseSettings {
  readonly tables: TableNames;
  readonly schema: string;
  readonly codec: CredentialsCodec;
  readonly healthHistoryLimit: number;
  readonly logger: DatabaseLogger | undefined;
}

const backends = new WeakMap<Database, Backend>();

/**
 * The catalog's database: PostgreSQL when a URL is given, otherwise an embedded PostgreSQL server
 * in a locked data folder. Repositories return core models; entities never leave this library.
 */
export class Database {
  readonly kind: DatabaseKind;
  /** Each call runs on its own (autocommit). Inside `transaction`, use the UnitOfWork instead. */
  readonly integrations: IntegrationRepository;
  readonly events: EventOutboxRepository;
  readonly healthHistory: HealthHistoryRepository;
  readonly audit: AuditLogRepository;
  /**
   * The poller's claims and results. Claim here, each claim its own statement: inside a
   * transaction the claim's row locks would last until it commits.
   */
  readonly polls: HealthPollRepository;
  readonly leases: LeaseRepository;
  /**
   * Moves every row's credentials onto the keyring's active key (`rotate-keys`). Outside any
   * transaction: each batch is its own statements, conditional on what it read.
   */
  readonly credentialsRotation: CredentialsRotationRepository;

  private readonly scope = new AsyncLocalStorage<TransactionScope>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly backend: Backend,
    private readonly settings: DatabaseSettings,
  ) {
    this.kind = backend.kind;
    backends.set(this, backend);
    const root = this.repositories(
      new PooledSqlExecutor(backend.dataSource, () => this.assertOutsideTransaction()),
    );
    this.integrations = root.integrations;
    this.events = root.events;
    this.healthHistory = root.healthHistory;
    this.audit = root.audit;
    this.polls = root.polls;
    this.leases = root.leases;
    this.credentialsRotation = new SqlCredentialsRotationRepository(
      new PooledSqlExecutor(backend.dataSource, () => this.assertOutsideTransaction()),
      settings.tables,
      settings.codec,
    );
  }

  /**
   * Opens (and by default migrates) the database; throws DataDirLockedError when the embedded
   * database's folder is taken.
   */
  static async open(options: DatabaseOptions): Promise<Database> {
    const schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const logger = options.logger;
    const healthHistoryLimit = options.healthHistoryLimit ?? DEFAULT_HEALTH_HISTORY_LIMIT;
    if (!Number.isInteger(healthHistoryLimit) || healthHistoryLimit < 1) {
      throw new Error('healthHistoryLimit must be a positive integer');
    }
    const timeouts = timeoutsOf(options);
    const codec = credentialsCodecOf(options);
    const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    const backend =
      options.databaseUrl === undefined
        ? await openEmbeddedBackend({ dataDir, schema, poolSize, timeouts, logger })
        : await openPostgresBackend({
            connection: { url: options.databaseUrl },
            schema,
            poolSize,
            timeouts,
            logger,
          });
    const database = new Database(backend, {
      tables: tableNames(schema),
      schema,
      codec,
      healthHistoryLimit,
      logger,
    });
    try {
      if (options.migrationsRun ?? true) await database.runMigrations();
      else await backend.withMigrationLock((migrations) => database.ensureSchema(migrations));
    } catch (error) {
      await database.close();
      throw error;
    }
    logger?.info(`database opened (${backend.kind})`, {
      kind: backend.kind,
      schema,
      ...(backend.kind === 'embedded'
        ? { dataDir: dataDir === IN_MEMORY_DATA_DIR ? dataDir : path.resolve(dataDir) }
        : {}),
      credentialsEncrypted: codec.encrypts,
      ...(codec.encrypts
        ? { activeKeyId: codec.keyring.activeKeyId, keyIds: codec.keyring.keyIds }
        : {}),
    });
    return database;
  }

  /**
   * Runs `fn` in one transaction and commits when it resolves, rolls back when it throws. Use only
   * the UnitOfWork's repositories inside: the database's own would run outside the transaction
   * on another connection (and could wait on the transaction's own locks), so they refuse.
   * Transactions do not nest.
   */
  async transaction<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    this.assertOutsideTransaction();
    return this.backend.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner;
      if (runner === undefined)
        throw new Error('a TypeORM transaction came without a query runner');
      const scope: TransactionScope = { active: true };
      try {
        return await this.scope.run(scope, () =>
          fn(this.repositories(new TransactionSqlExecutor(runner))),
        );
      } finally {
        scope.active = false;
      }
    });
  }

  /** Applies pending migrations (creating the schema first if needed); returns the names applied. */
  async runMigrations(): Promise<string[]> {
    const applied = await this.backend.withMigrationLock(async (migrations) => {
      await this.ensureSchema(migrations);
      return migrations.runMigrations({ transaction: 'all' });
    });
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) {
      this.settings.logger?.info(`applied ${names.length} migration(s)`, { migrations: names });
    }
    return names;
  }

  /** The names of the committed migrations not yet applied to this database. */
  async pendingMigrations(): Promise<string[]> {
    const pending = await new MigrationExecutor(this.backend.dataSource).getPendingMigrations();
    return pending.map((migration) => migration.name);
  }

  /** True when `SELECT 1` answers within `timeoutMs`; false (never a throw) when down or closed. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    if (this.closing !== undefined || !this.backend.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const answered = this.backend.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connections (and stops the embedded server), releases the folder lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.backend.close();
    return this.closing;
  }

  private async ensureSchema(dataSource: DataSource): Promise<void> {
    if (this.settings.schema === 'public') return;
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.settings.schema)}`);
  }

  private repositories(executor: SqlExecutor): UnitOfWork {
    const { tables, codec, healthHistoryLimit } = this.settings;
    return {
      integrations: new SqlIntegrationRepository(executor, tables, codec),
      events: new SqlEventOutboxRepository(executor, tables),
      healthHistory: new SqlHealthHistoryRepository(executor, tables, healthHistoryLimit),
      audit: new SqlAuditLogRepository(executor, tables),
      polls: new SqlHealthPollRepository(executor, tables, codec, healthHistoryLimit),
      leases: new SqlLeaseRepository(executor, tables),
    };
  }

  private assertOutsideTransaction(): void {
    if (this.scope.getStore()?.active) {
      throw new Error(
        "inside Database.transaction(), use the repositories of the UnitOfWork it passes: the Database's own run outside the transaction, and transactions do not nest",
      );
    }
  }
}

/** What a Database runs on, for this library's test helpers and specs; not exported from the package. */
export function backendOf(database: Database): Backend {
  const backend = backends.get(database);
  if (backend === undefined) throw new Error('not a Database');
  return backend;
}

function credentialsCodecOf(options: DatabaseOptions): CredentialsCodec {
  if (options.keyring === undefined) return CredentialsCodec.create(options.encryptionKey);
  if (options.encryptionKey !== undefined) {
    throw new Error(
      'give either encryptionKey or keyring, not both (a single key is a keyring of one key)',
    );
  }
  return CredentialsCodec.fromKeyring(options.keyring);
}

function timeoutsOf(options: DatabaseOptions): PostgresTimeouts {
  const timeouts = {
    connectMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    statementMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    queryMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer`);
  }
  return timeouts;
}
