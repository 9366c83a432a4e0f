import { ApiPropertyOptional } from '@nestjs/swagger';
import { UUID_PATTERN } from '@stellaops/integrations-core';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';

/** The query of `GET /api/v1/events`. */
export class ListEventsQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "The id of the last event read (the previous page's nextAfter).",
  })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'must be the id (a uuid) of an event' })
  after?: string;

  @ApiPropertyOptional({
    description: 'How many events to return, oldest first.',
    minimum: 1,
    maximum: ContractLimits.maxEventLimit,
    default: ContractLimits.defaultEventLimit,
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ContractLimits.maxEventLimit)
  limit: number = ContractLimits.defaultEventLimit;
}
