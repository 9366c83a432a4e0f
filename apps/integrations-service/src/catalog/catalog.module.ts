import { Module } from '@nestjs/common';
import { PluginsModule } from '../plugins/plugins.module';
import { SecretsModule } from '../secrets/secrets.module';
import { IntegrationChecksController } from './integration-checks.controller';
import { IntegrationChecksService } from './integration-checks.service';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';
import { ListIntegrationsQueryPipe } from './list-integrations-query.pipe';
import { ProvidersController } from './providers.controller';
import { RegistrationValidator } from './registration-validator';

/** Registration CRUD, validation against plugin manifests, connection tests and the provider list. */
@Module({
  imports: [PluginsModule, SecretsModule],
  controllers: [IntegrationsController, IntegrationChecksController, ProvidersController],
  providers: [
    IntegrationsService,
    IntegrationChecksService,
    RegistrationValidator,
    ListIntegrationsQueryPipe,
  ],
})
export class CatalogModule {}
