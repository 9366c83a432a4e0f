import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import type { ServiceConfig } from './service-config';
import { SERVICE_CONFIG } from './service-config.token';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SERVICE_CONFIG, useValue: config }],
      exports: [SERVICE_CONFIG],
    };
  }
}
