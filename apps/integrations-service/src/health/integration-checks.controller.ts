import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  CheckResultDto,
  HealthHistoryQueryDto,
  IntegrationHealthDto,
  ProblemDetailsDto,
  RegisterIntegrationDto,
  checkResultSchema,
  integrationHealthSchema,
  toCheckResultDto,
  toIntegrationHealthDto,
} from '@stellaops/integrations-contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';
import { createCatalogValidationPipe } from '../catalog/catalog-validation.pipe';
import { clientDisconnectSignal } from '../catalog/client-disconnect-signal';
import { IntegrationIdPipe } from '../catalog/integration-id.pipe';
import { IntegrationChecksService } from './integration-checks.service';

const draftBody = createCatalogValidationPipe(RegisterIntegrationDto);
const healthQuery = createCatalogValidationPipe(HealthHistoryQueryDto);

/**
 * Connection tests, on-demand health checks and health history. A test or check answers 200 with
 * its result whatever the provider said; only a request that cannot be run is an error.
 */
@ApiTags('integrations')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No valid bearer token', type: ProblemDetailsDto })
@ApiResponse({ status: 403, description: 'A scope is missing', type: ProblemDetailsDto })
@Controller('api/v1/integrations')
export class IntegrationChecksController {
  constructor(
    @Inject(IntegrationChecksService) private readonly checks: IntegrationChecksService,
  ) {}

  @Post('test')
  @HttpCode(HttpStatus.OK)
  @RequireScopes(Scopes.Operate)
  @RouteSchema({ response: { 200: checkResultSchema } })
  @ApiOperation({
    summary: 'Test a draft registration without saving it',
    description: 'Takes the body of a registration; nothing is stored and no event is written.',
  })
  @ApiOkResponse({ type: CheckResultDto })
  @ApiResponse({ status: 400, type: ProblemDetailsDto })
  async testDraft(
    @CurrentPrincipal() principal: Principal,
    @Body(draftBody) dto: RegisterIntegrationDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResultDto> {
    const signal = clientDisconnectSignal(request, reply);
    return toCheckResultDto(await this.checks.testDraft(principal, dto, signal));
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  @RequireScopes(Scopes.Operate)
  @RouteSchema({ response: { 200: checkResultSchema } })
  @ApiOperation({
    summary: 'Test the saved connection',
    description:
      'Records the result as the current health; a pass makes a pending or failed integration active, a failure makes a pending one failed.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CheckResultDto })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  async testSaved(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResultDto> {
    const signal = clientDisconnectSignal(request, reply);
    return toCheckResultDto(await this.checks.testSaved(principal, id, signal));
  }

  @Get(':id/health')
  @RequireScopes(Scopes.Read)
  @RouteSchema({ response: { 200: integrationHealthSchema } })
  @ApiOperation({
    summary: 'Current health, availability over the last 24 hours and 7 days, and recent checks',
    description:
      'History newest first. Availability is the share of the known time in each window during which the integration was up (healthy or degraded), each check holding until the next.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationHealthDto })
  @ApiResponse({ status: 400, type: ProblemDetailsDto })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  async health(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Query(healthQuery) query: HealthHistoryQueryDto,
  ): Promise<IntegrationHealthDto> {
    const { integration, history, availability } = await this.checks.health(
      principal.tenantId,
      id,
      query.limit,
    );
    return toIntegrationHealthDto(integration, history, availability);
  }

  @Post(':id/health/check')
  @HttpCode(HttpStatus.OK)
  @RequireScopes(Scopes.Operate)
  @RouteSchema({ response: { 200: checkResultSchema } })
  @ApiOperation({ summary: 'Check the health now' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CheckResultDto })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  async checkHealth(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResultDto> {
    const signal = clientDisconnectSignal(request, reply);
    return toCheckResultDto(await this.checks.checkHealth(principal, id, signal));
  }
}
