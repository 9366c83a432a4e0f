import { Controller, Get, Inject, Query } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  EventListDto,
  ListEventsQueryDto,
  ProblemDetailsDto,
  eventListSchema,
  toEventListDto,
} from '@stellaops/integrations-contracts';
import { Database } from '@stellaops/integrations-persistence';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';
import { createCatalogValidationPipe } from '../catalog/catalog-validation.pipe';

const eventsQuery = createCatalogValidationPipe(ListEventsQueryDto);

/** The tenant's lifecycle events, oldest first, for consumers that poll rather than subscribe. */
@ApiTags('events')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'Invalid input', type: ProblemDetailsDto })
@ApiResponse({ status: 401, description: 'No valid bearer token', type: ProblemDetailsDto })
@ApiResponse({ status: 403, description: 'A scope is missing', type: ProblemDetailsDto })
@Controller('api/v1/events')
export class EventsController {
  constructor(@Inject(Database) private readonly database: Database) {}

  @Get()
  @RequireScopes(Scopes.Read)
  @RouteSchema({ response: { 200: eventListSchema } })
  @ApiOperation({
    summary: 'The lifecycle event feed, oldest first',
    description: 'An `after` that is not one of your events is refused with 400.',
  })
  @ApiOkResponse({ type: EventListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(eventsQuery) query: ListEventsQueryDto,
  ): Promise<EventListDto> {
    const events = await this.database.events.listAfter(
      principal.tenantId,
      query.after,
      query.limit,
    );
    return toEventListDto(events, query.after ?? null);
  }
}
