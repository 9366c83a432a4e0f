import { ApiPropertyOptional } from '@nestjs/swagger';
import { UUID_PATTERN } from '@stellaops/integrations-core';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';

/** An entry id: the decimal digits of a positive 64-bit integer (the repository checks the range). */
const AUDIT_ENTRY_ID = /^[0-9]{1,19}$/;
const ACTION_PREFIX = new RegExp(`^[A-Za-z0-9._-]{1,${ContractLimits.actionPrefixMaxLength}}$`);

/** The query of `GET /api/v1/integrations/{id}/audit`: one registration's trail, newest first. */
export class ListAuditQueryDto {
  @ApiPropertyOptional({
    description:
      'Only entries whose action starts with this: `secret.` for credential access, `secret.failed` for failed resolutions, `integration.` for the catalog.',
    example: 'secret.',
    pattern: ACTION_PREFIX.source,
  })
  @IsOptional()
  @Matches(ACTION_PREFIX, {
    message: `must be the start of an action name (up to ${ContractLimits.actionPrefixMaxLength} letters, digits, '.', '_' or '-')`,
  })
  action?: string;

  @ApiPropertyOptional({
    description: "The previous page's nextAfter: this page holds the entries recorded before it.",
    pattern: AUDIT_ENTRY_ID.source,
  })
  @IsOptional()
  @Matches(AUDIT_ENTRY_ID, { message: "must be the id of an audit entry (a page's nextAfter)" })
  after?: string;

  @ApiPropertyOptional({
    description: 'How many entries to return, newest first.',
    minimum: 1,
    maximum: ContractLimits.maxAuditLimit,
    default: ContractLimits.defaultAuditLimit,
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ContractLimits.maxAuditLimit)
  limit: number = ContractLimits.defaultAuditLimit;
}

/**
 * The query of `GET /api/v1/audit`: the tenant's trail, newest first, or one registration's
 * (also one that has been deleted).
 */
export class ListTenantAuditQueryDto extends ListAuditQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only entries about this registration, whether or not it still exists.',
  })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'must be the id (a uuid) of an integration' })
  integrationId?: string;
}
