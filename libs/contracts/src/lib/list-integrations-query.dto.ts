import { ApiPropertyOptional } from '@nestjs/swagger';
import type { HealthStatus, IntegrationStatus } from '@stellaops/integrations-core';
import { HealthStatuses, IntegrationStatuses } from '@stellaops/integrations-core';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';

/** The query of `GET /api/v1/integrations`. Results are ordered by name, then id. */
export class ListIntegrationsQueryDto {
  @ApiPropertyOptional({ example: 'scm' })
  @IsOptional()
  @IsString()
  @Length(1, ContractLimits.identifierMaxLength)
  type?: string;

  @ApiPropertyOptional({ example: 'github-app' })
  @IsOptional()
  @IsString()
  @Length(1, ContractLimits.identifierMaxLength)
  provider?: string;

  @ApiPropertyOptional({ enum: IntegrationStatuses })
  @IsOptional()
  @IsIn(IntegrationStatuses)
  status?: IntegrationStatus;

  @ApiPropertyOptional({ enum: HealthStatuses })
  @IsOptional()
  @IsIn(HealthStatuses)
  health?: HealthStatus;

  @ApiPropertyOptional({ description: 'Registrations carrying this tag.' })
  @IsOptional()
  @IsString()
  @Length(1, ContractLimits.tagMaxLength)
  tag?: string;

  @ApiPropertyOptional({
    description:
      'A case-insensitive part of the name, at least 3 characters (what the search index can find).',
    minLength: ContractLimits.queryMinLength,
    maxLength: ContractLimits.queryMaxLength,
  })
  @IsOptional()
  @IsString()
  @Length(ContractLimits.queryMinLength, ContractLimits.queryMaxLength)
  q?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: ContractLimits.maxListLimit,
    default: ContractLimits.defaultListLimit,
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ContractLimits.maxListLimit)
  limit: number = ContractLimits.defaultListLimit;

  @ApiPropertyOptional({ description: "The previous page's nextCursor." })
  @IsOptional()
  @IsString()
  @MaxLength(ContractLimits.cursorMaxLength)
  cursor?: string;
}
