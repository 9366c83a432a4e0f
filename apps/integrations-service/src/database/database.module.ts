import type { OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Module } from '@nestjs/common';
import { Database } from '@stellaops/integrations-persistence';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { ReadinessChecks } from '../readiness/readiness-checks';
import { databaseReadiness } from './database-readiness';
import { openCatalogDatabase } from './open-catalog-database';

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
      useFactory: (config: ServiceConfig): Promise<Database> => openCatalogDatabase(config),
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(ReadinessChecks) readiness: ReadinessChecks,
  ) {
    readiness.register(databaseReadiness(database));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
