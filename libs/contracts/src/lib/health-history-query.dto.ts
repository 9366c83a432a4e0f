import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';

/** The query of `GET /api/v1/integrations/{id}/health`. */
export class HealthHistoryQueryDto {
  @ApiPropertyOptional({
    description: 'How many history entries to return, newest first.',
    minimum: 1,
    maximum: ContractLimits.maxHistoryLimit,
    default: ContractLimits.defaultHistoryLimit,
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ContractLimits.maxHistoryLimit)
  limit: number = ContractLimits.defaultHistoryLimit;
}
