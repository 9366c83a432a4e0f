import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { PluginsModule } from '../plugins/plugins.module';
import { CheckRunner } from './check-runner';
import { HealthPoller } from './health-poller';
import { HealthConfigurableModule } from './health.module-definition';
import { IntegrationChecksController } from './integration-checks.controller';
import { IntegrationChecksService } from './integration-checks.service';
import { ProbesController } from './probes.controller';

/**
 * Health: connection tests and checks (asked for through the API, or due in the poller's shared
 * schedule), the status model, the history and availability; the probes. Configured with its
 * own slice (`HealthModule.forRoot(config.health)`).
 */
@Module({
  imports: [PluginsModule, CatalogModule],
  controllers: [IntegrationChecksController, ProbesController],
  providers: [CheckRunner, IntegrationChecksService, HealthPoller],
})
export class HealthModule extends HealthConfigurableModule {}
