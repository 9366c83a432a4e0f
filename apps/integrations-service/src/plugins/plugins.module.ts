import { Module } from '@nestjs/common';
import { SecretsModule } from '../secrets/secrets.module';
import { IntegrationConfigFactory } from './integration-config-factory';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { guardedOutboundFactory, OUTBOUND_FACTORY } from './outbound-fetch';
import { PluginHostFactory } from './plugin-host-factory';
import { defaultPluginLoaderOptions, PLUGIN_LOADER_OPTIONS } from './plugin-loader-options';
import { PluginRegistry } from './plugin-registry';

/** The plugin registry and what a plugin is handed to work with (its config and host). */
@Module({
  imports: [SecretsModule],
  providers: [
    { provide: PLUGIN_LOADER_OPTIONS, useFactory: defaultPluginLoaderOptions },
    { provide: OUTBOUND_FACTORY, useFactory: guardedOutboundFactory, inject: [SERVICE_CONFIG] },
    PluginHostFactory,
    PluginRegistry,
    IntegrationConfigFactory,
  ],
  exports: [PluginRegistry, IntegrationConfigFactory, PluginHostFactory],
})
export class PluginsModule {}
