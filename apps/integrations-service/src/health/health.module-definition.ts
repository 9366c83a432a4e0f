import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HealthConfig } from './health.config';

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  MODULE_OPTIONS_TOKEN: HEALTH_CONFIG,
} = new ConfigurableModuleBuilder<HealthConfig>().setClassMethodName('forRoot').build();
