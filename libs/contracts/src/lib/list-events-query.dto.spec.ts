import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { ListEventsQueryDto } from './list-events-query.dto';
import { toFieldErrors } from './to-field-errors';

function check(query: Record<string, unknown>) {
  const dto = plainToInstance(ListEventsQueryDto, query);
  const errors = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS));
  return { dto, errors };
}

describe('ListEventsQueryDto', () => {
  it('reads from the start, 100 events at a time, without a query', () => {
    const { dto, errors } = check({});
    expect(errors).toEqual([]);
    expect(dto.limit).toBe(100);
    expect(dto.after).toBeUndefined();
  });

  it('converts the limit from the query string and keeps `after` as sent', () => {
    const after = randomUUID().toUpperCase();
    const { dto, errors } = check({ after, limit: '500' });
    expect(errors).toEqual([]);
    expect(dto).toEqual(Object.assign(new ListEventsQueryDto(), { after, limit: 500 }));
  });

  it.each(['0', '501', '-1', 'abc', '1.5', '', 'NaN'])('refuses limit=%j', (limit) => {
    expect(check({ limit }).errors.map((error) => error.path)).toEqual(['/limit']);
  });

  it.each([
    'nope',
    '',
    '01234567-89ab-cdef-0123-456789abcdefx',
    '0123456789abcdef0123456789abcdef',
  ])('refuses after=%j, saying what it must be', (after) => {
    expect(check({ after }).errors).toEqual([
      { path: '/after', message: 'must be the id (a uuid) of an event' },
    ]);
  });

  it('refuses repeated parameters and parameters it does not know', () => {
    const id = randomUUID();
    const paths = (query: Record<string, unknown>) =>
      check(query).errors.map((error) => error.path);
    expect(paths({ after: [id, id] })).toEqual(['/after']);
    expect(paths({ limit: ['1', '2'] })).toEqual(['/limit']);
    expect(paths({ cursor: id })).toEqual(['/cursor']);
  });
});
