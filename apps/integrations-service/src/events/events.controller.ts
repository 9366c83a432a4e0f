import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InputError } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import type { StoredEvent } from '@stellaops/integrations-persistence';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { Scopes } from '../auth/scopes';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EventFeedPage {
  readonly items: readonly Omit<StoredEvent, 'position'>[];
  /** Pass as `after` to read on; the request's own `after` (or null) when nothing is new. */
  readonly nextAfter: string | null;
}

/** The tenant's lifecycle events, oldest first, for consumers that poll rather than subscribe. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1/events')
export class EventsController {
  constructor(@Inject(Database) private readonly database: Database) {}

  @Get()
  @RequireScopes(Scopes.Read)
  @ApiOperation({ summary: 'The lifecycle event feed, oldest first' })
  @ApiQuery({ name: 'after', required: false, description: 'The id of the last event read' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}`,
  })
  @ApiOkResponse({ description: 'A page of events' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): Promise<EventFeedPage> {
    const errors = [];
    if (after !== undefined && !UUID.test(after)) {
      errors.push({ path: '/after', message: 'must be the id (a uuid) of an event' });
    }
    const size = limit === undefined ? DEFAULT_LIMIT : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > MAX_LIMIT) {
      errors.push({ path: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
    }
    if (errors.length > 0) throw new InputError('invalid event feed query', errors);
    const events = await this.database.events.listAfter(principal.tenantId, after, size);
    const items = events.map(({ position: _position, ...event }) => event);
    return { items, nextAfter: items.at(-1)?.id ?? after ?? null };
  }
}
