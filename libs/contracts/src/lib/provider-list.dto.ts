import { ApiProperty } from '@nestjs/swagger';
import type { ProviderPlugin } from './provider.dto';
import { ProviderDto, providerSchema, toProviderDto } from './provider.dto';

/**
 * `GET /api/v1/providers`: the plugins loaded on the replica that answered, ordered by type, then
 * provider, each with its package and version.
 */
export class ProviderListDto {
  @ApiProperty({ type: [ProviderDto] })
  items!: readonly ProviderDto[];
}

export const providerListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: providerSchema } },
} as const;

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Orders by type, then provider, by code unit so that the order never depends on a locale. */
export function toProviderListDto(plugins: readonly ProviderPlugin[]): ProviderListDto {
  const sorted = [...plugins].sort(
    (left, right) =>
      compareText(left.type, right.type) || compareText(left.provider, right.provider),
  );
  return { items: sorted.map(toProviderDto) };
}
