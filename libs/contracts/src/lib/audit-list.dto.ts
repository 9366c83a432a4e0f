import { ApiProperty } from '@nestjs/swagger';
import type { AuditRecord } from './audit-entry.dto';
import { AuditEntryDto, auditEntrySchema, toAuditEntryDto } from './audit-entry.dto';

/** One page of an audit trail, newest first. */
export class AuditListDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items!: readonly AuditEntryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Pass as `after` for the next (older) page: the last item's id; null on the last page.",
  })
  nextAfter!: string | null;
}

export const auditListSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'nextAfter'],
  properties: {
    items: { type: 'array', items: auditEntrySchema },
    nextAfter: { type: ['string', 'null'] },
  },
} as const;

/** `more`: whether older entries follow this page (then its last id is the next cursor). */
export function toAuditListDto(entries: readonly AuditRecord[], more: boolean): AuditListDto {
  return {
    items: entries.map(toAuditEntryDto),
    nextAfter: more ? (entries.at(-1)?.id ?? null) : null,
  };
}
