import { Controller, Get, Inject } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ProviderListDto,
  providerListSchema,
  toProviderListDto,
} from '@stellaops/integrations-contracts';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';
import { PluginRegistry } from '../plugins/plugin-registry';

/**
 * `GET /api/v1/providers`: the plugin catalog of this replica, with each plugin's package and
 * version, so that an operator running replicas with different plugin sets sees what each has.
 */
@ApiTags('providers')
@ApiBearerAuth()
@Controller('api/v1/providers')
export class ProvidersController {
  private providers: ProviderListDto | undefined;

  constructor(@Inject(PluginRegistry) private readonly plugins: PluginRegistry) {}

  @Get()
  @RequireScopes(Scopes.Read)
  @RouteSchema({ response: { 200: providerListSchema } })
  @ApiOperation({
    summary:
      "This replica's providers: settings schema, credential slots, capabilities, and the plugin package and version serving each",
  })
  @ApiOkResponse({ type: ProviderListDto })
  list(): ProviderListDto {
    // The plugins are loaded once at start, so the answer never changes after the first request.
    return (this.providers ??= toProviderListDto(
      this.plugins.list().map((plugin) => {
        const origin = this.plugins.origin(plugin);
        return {
          name: plugin.name,
          type: plugin.type,
          provider: plugin.provider,
          manifest: plugin.manifest,
          packageName: origin?.packageName ?? '(unknown)',
          packageVersion: origin?.packageVersion ?? '(unknown)',
        };
      }),
    ));
  }
}
