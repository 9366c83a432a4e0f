import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { HealthHistoryQueryDto } from './health-history-query.dto';
import { ListIntegrationsQueryDto } from './list-integrations-query.dto';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { toFieldErrors } from './to-field-errors';

function check<T extends object>(type: new () => T, query: Record<string, unknown>) {
  const dto = plainToInstance(type, query);
  const errors = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS));
  return { dto, paths: errors.map((error) => error.path) };
}

describe('ListIntegrationsQueryDto', () => {
  it('defaults the limit to 50 and converts it from the query string', () => {
    expect(check(ListIntegrationsQueryDto, {}).dto.limit).toBe(50);
    const { dto, paths } = check(ListIntegrationsQueryDto, { limit: '500', status: 'active' });
    expect(paths).toEqual([]);
    expect(dto.limit).toBe(500);
  });

  it.each(['0', '501', 'abc', '1.5', ''])('refuses limit=%j', (limit) => {
    expect(check(ListIntegrationsQueryDto, { limit }).paths).toEqual(['/limit']);
  });

  it('refuses unknown statuses, health values and query parameters', () => {
    expect(check(ListIntegrationsQueryDto, { status: 'gone' }).paths).toEqual(['/status']);
    expect(check(ListIntegrationsQueryDto, { health: 'fine' }).paths).toEqual(['/health']);
    expect(check(ListIntegrationsQueryDto, { sort: 'name' }).paths).toEqual(['/sort']);
  });

  it('refuses a repeated parameter', () => {
    expect(check(ListIntegrationsQueryDto, { tag: ['a', 'b'] }).paths).toEqual(['/tag']);
  });
});

describe('HealthHistoryQueryDto', () => {
  it('defaults to 20 and accepts 1 to 100', () => {
    expect(check(HealthHistoryQueryDto, {}).dto.limit).toBe(20);
    expect(check(HealthHistoryQueryDto, { limit: '100' }).paths).toEqual([]);
    expect(check(HealthHistoryQueryDto, { limit: '101' }).paths).toEqual(['/limit']);
    expect(check(HealthHistoryQueryDto, { limit: '0' }).paths).toEqual(['/limit']);
  });
});
