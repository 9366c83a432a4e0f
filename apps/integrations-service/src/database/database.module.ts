import type { OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Logger, Module } from '@nestjs/common';
import { Database } from '@stellaops/integrations-persistence';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';

/**
 * Opens the catalog's database once (PostgreSQL with DATABASE_URL, otherwise embedded PGlite in
 * the data folder), runs pending migrations, and closes it at shutdown. Other modules inject
 * `Database` and use its repositories and `transaction`.
 */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig): Promise<Database> => {
        const logger = new Logger('Database');
        return Database.open({
          ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
          ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
          dataDir: config.dataDir,
          logger: {
            info: (message: string) => logger.log(message),
            warn: (message: string) => logger.warn(message),
          },
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
