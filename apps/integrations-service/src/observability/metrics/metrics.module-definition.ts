import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MetricsConfig } from './metrics.config';

export const {
  ConfigurableModuleClass: MetricsConfigurableModule,
  MODULE_OPTIONS_TOKEN: METRICS_CONFIG,
} = new ConfigurableModuleBuilder<MetricsConfig>().setClassMethodName('forRoot').build();
