import { ApiProperty } from '@nestjs/swagger';
import type { LifecycleEvent } from '@stellaops/integrations-core';
import {
  LifecycleEventDto,
  lifecycleEventSchema,
  toLifecycleEventDto,
} from './lifecycle-event.dto';

/** One page of `GET /api/v1/events`, oldest first. */
export class EventListDto {
  @ApiProperty({ type: [LifecycleEventDto] })
  items!: readonly LifecycleEventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Pass as `after` to read on: the last item's id, or the request's own `after` when nothing is new.",
  })
  nextAfter!: string | null;
}

export const eventListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextAfter'],
  properties: {
    items: { type: 'array', items: lifecycleEventSchema },
    nextAfter: { type: ['string', 'null'] },
  },
} as const;

/** `after` is the id the page was read after (or null), returned when the page is empty. */
export function toEventListDto(
  events: readonly LifecycleEvent[],
  after: string | null,
): EventListDto {
  return { items: events.map(toLifecycleEventDto), nextAfter: events.at(-1)?.id ?? after };
}
