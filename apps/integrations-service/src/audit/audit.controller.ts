import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
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
  AuditListDto,
  ListAuditQueryDto,
  ListTenantAuditQueryDto,
  ProblemDetailsDto,
  auditListSchema,
  toAuditListDto,
} from '@stellaops/integrations-contracts';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';
import { createCatalogValidationPipe } from '../catalog/catalog-validation.pipe';
import { IntegrationIdPipe } from '../catalog/integration-id.pipe';
import { AuditTrailService } from './audit-trail.service';

const integrationQuery = createCatalogValidationPipe(ListAuditQueryDto);
const tenantQuery = createCatalogValidationPipe(ListTenantAuditQueryDto);

const PAGING =
  "Newest first; pass the page's `nextAfter` as `after` for the next (older) page. `action=secret.` lists credential access only.";

/**
 * The audit trail: registrations, updates, deletions, tests and checks, and every access to a
 * credential (`secret.resolved|refused|failed`, with the slot, store, purpose and an HMAC of the
 * reference, never a value).
 */
@ApiTags('audit')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'Invalid input', type: ProblemDetailsDto })
@ApiResponse({ status: 401, description: 'No valid bearer token', type: ProblemDetailsDto })
@ApiResponse({ status: 403, description: 'A scope is missing', type: ProblemDetailsDto })
@Controller('api/v1')
export class AuditController {
  constructor(@Inject(AuditTrailService) private readonly trail: AuditTrailService) {}

  @Get('audit')
  @RequireScopes(Scopes.Operate)
  @RouteSchema({ response: { 200: auditListSchema } })
  @ApiOperation({
    summary: "The tenant's audit trail",
    description: `${PAGING} \`integrationId\` narrows it to one registration, also one that has been deleted. Entries whose \`integrationId\` is null are tests of drafts.`,
  })
  @ApiOkResponse({ type: AuditListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(tenantQuery) query: ListTenantAuditQueryDto,
  ): Promise<AuditListDto> {
    const page = await this.trail.list(principal.tenantId, query);
    return toAuditListDto(page.entries, page.more);
  }

  @Get('integrations/:id/audit')
  @RequireScopes(Scopes.Operate)
  @RouteSchema({ response: { 200: auditListSchema } })
  @ApiOperation({
    summary: "A registration's audit trail",
    description: `${PAGING} A deleted registration answers 404 here: read its trail with \`GET /api/v1/audit?integrationId=\`.`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AuditListDto })
  @ApiResponse({ status: 404, type: ProblemDetailsDto })
  async listForIntegration(
    @CurrentPrincipal() principal: Principal,
    @Param('id', IntegrationIdPipe) id: string,
    @Query(integrationQuery) query: ListAuditQueryDto,
  ): Promise<AuditListDto> {
    const page = await this.trail.listForIntegration(principal.tenantId, id, query);
    return toAuditListDto(page.entries, page.more);
  }
}
