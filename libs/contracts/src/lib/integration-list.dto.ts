import { ApiProperty } from '@nestjs/swagger';
import type { Integration } from '@stellaops/integrations-core';
import { IntegrationDto, integrationSchema, toIntegrationDto } from './integration.dto';

/** One page of `GET /api/v1/integrations`, ordered by name, then id. */
export class IntegrationListDto {
  @ApiProperty({ type: [IntegrationDto] })
  items!: readonly IntegrationDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}

export const integrationListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: integrationSchema },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

export function toIntegrationListDto(
  integrations: readonly Integration[],
  nextCursor: string | null,
): IntegrationListDto {
  return { items: integrations.map(toIntegrationDto), nextCursor };
}
