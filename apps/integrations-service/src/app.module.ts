import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { ConfigModule } from './config/config.module';
import type { ServiceConfig } from './config/service-config';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './observability/metrics/metrics.module';
import { PluginsModule } from './plugins/plugins.module';
import { ProblemDetailsFilter } from './problem/problem-details.filter';
import { ReadinessModule } from './readiness/readiness.module';
import { SecretsModule } from './secrets/secrets.module';

@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ReadinessModule,
        MetricsModule.forRoot(config.metrics),
        DatabaseModule,
        AuthModule,
        PluginsModule,
        SecretsModule,
        EventsModule.forRoot(config.events),
        CatalogModule,
        HealthModule.forRoot(config.health),
        AuditModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
