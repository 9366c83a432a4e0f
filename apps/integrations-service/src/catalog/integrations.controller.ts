import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  IntegrationDto,
  IntegrationListDto,
  ListIntegrationsQueryDto,
  ProblemDetailsDto,
  RegisterIntegrationDto,
  UpdateIntegrationDto,
  integrationListSchema,
  integrationSchema,
  toIntegrationDto,
  toIntegrationListDto,
} from '@stellaops/integrations-contracts';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';
import { createCatalogValidationPipe } from './catalog-validation.pipe';
import { entityTag, parseIfMatch } from './entity-tag';
import { IntegrationIdPipe } from './integration-id.pipe';
import { IntegrationsService } from './integrations.service';
import { encodeListCursor } from './list-cursor';
import type { ListIntegrationsQuery } from './list-integrations-query.pipe';
import { ListIntegrationsQueryPipe } from './list-integrations-query.pipe';

const registerBody = createCatalogValidationPipe(RegisterIntegrationDto);
const updateBody = createCatalogValidationPipe(UpdateIntegrationDto);
const BASE_PATH = '/api/v1/integrations';

/** Registration CRUD: `/api/v1/integrations` and `/api/v1/integrations/{id}`. */
@ApiTags('integrations')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'Invalid input', type: ProblemDetailsDto })
@ApiResponse({ status: 401, description: 'No valid bearer token', type: ProblemDetailsDto })
@ApiResponse({ status: 403, description: 'A scope is missing', type: ProblemDetailsDto })
@Controller('api/v1/integrations')
export class IntegrationsController {
  constructor(@Inject(IntegrationsService) private readonly integrations: IntegrationsService) {}

  @Post()
  @RequireScopes(Scopes.Write)
  @RouteSchema({ response: { 201: integrationSchema } })
  @ApiOperation({ summary: 'Register an integration' })
  @ApiCreatedResponse({ type: IntegrationDto, description: 'With Location and ETag headers' })
  @ApiResponse({ status: 409, description: 'The name is taken', type: ProblemDetailsDto })
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body(registerBody) dto: RegisterIntegrationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntegrationDto> {
    const integration = await this.integrations.register(principal, dto);
    void reply
      .header('location', `${BASE_PATH}/${integration.id}`)
      .header('etag', entityTag(integration.version));
    return toIntegrationDto(integration);
  }

  @Get()
  @RequireScopes(Scopes.Read)
  @RouteSchema({ response: { 200: integrationListSchema } })
  @ApiOperation({ summary: 'List integrations, ordered by name, then id' })
  @ApiQuery({ type: ListIntegrationsQueryDto })
  @ApiOkResponse({ type: IntegrationListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(ListIntegrationsQueryPipe) query: ListIntegrationsQuery,
  ): Promise<IntegrationListDto> {
    const page = await this.integrations.list(principal, query);
    return toIntegrationListDto(
      page.items,
      page.next === null ? null : encodeListCursor(page.next),
    );
  }

  @Get(':id')
  @RequireScopes(Scopes.Read)
  @RouteSchema({ response: { 200: integrationSchema } })
  @ApiOperation({ summary: 'One integration, with its ETag' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationDto })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntegrationDto> {
    const integration = await this.integrations.get(principal, id);
    void reply.header('etag', entityTag(integration.version));
    return toIntegrationDto(integration);
  }

  @Patch(':id')
  @RequireScopes(Scopes.Write)
  @RouteSchema({ response: { 200: integrationSchema } })
  @ApiOperation({
    summary: 'Change some fields of an integration',
    description:
      "Only the fields sent change; settings and credentials are replaced whole, except that a secret setting (`writeOnly` in the provider's settings schema) that settings leaves out keeps its stored value and one set to null inside settings is removed; null is refused on every field (400: leave a field out to keep it). A patch that changes nothing returns the integration unchanged: same version and ETag, no event.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read; stale -> 412' })
  @ApiOkResponse({ type: IntegrationDto, description: 'With the new ETag' })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  @ApiResponse({ status: 409, description: 'The name is taken', type: ProblemDetailsDto })
  @ApiResponse({ status: 412, description: 'The ETag is stale', type: ProblemDetailsDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Body(updateBody) dto: UpdateIntegrationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntegrationDto> {
    const integration = await this.integrations.update(principal, id, dto, parseIfMatch(ifMatch));
    void reply.header('etag', entityTag(integration.version));
    return toIntegrationDto(integration);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireScopes(Scopes.Write)
  @ApiOperation({ summary: 'Delete an integration (soft delete)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag read; stale -> 412' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  @ApiResponse({ status: 412, description: 'The ETag is stale', type: ProblemDetailsDto })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.integrations.delete(principal, id, parseIfMatch(ifMatch));
  }
}
