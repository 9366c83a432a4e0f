import { Module } from '@nestjs/common';
import { PluginsModule } from '../plugins/plugins.module';
import { SecretsModule } from '../secrets/secrets.module';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';
import { ListIntegrationsQueryPipe } from './list-integrations-query.pipe';
import { ProvidersController } from './providers.controller';
import { RegistrationValidator } from './registration-validator';

/** Registration CRUD, validation against plugin manifests and the provider list. */
@Module({
  imports: [PluginsModule, SecretsModule],
  controllers: [IntegrationsController, ProvidersController],
  providers: [IntegrationsService, RegistrationValidator, ListIntegrationsQueryPipe],
  exports: [RegistrationValidator],
})
export class CatalogModule {}
