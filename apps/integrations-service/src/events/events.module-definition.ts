import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EventsConfig } from './events.config';

export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENTS_CONFIG,
} = new ConfigurableModuleBuilder<EventsConfig>().setClassMethodName('forRoot').build();
