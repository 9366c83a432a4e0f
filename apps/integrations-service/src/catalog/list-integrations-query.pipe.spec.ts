import 'reflect-metadata';
import {
  DTO_VALIDATOR_OPTIONS,
  ListIntegrationsQueryDto,
  toFieldErrors,
} from '@stellaops/integrations-contracts';
import { InputError } from '@stellaops/integrations-core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ListIntegrationsQueryPipe } from './list-integrations-query.pipe';

const pipe = new ListIntegrationsQueryPipe();

function failedPaths(query: Record<string, unknown>): string[] {
  try {
    pipe.transform(query);
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.errors.map((field) => field.path);
  }
}

const cases: Record<string, unknown>[] = [
  {},
  { limit: '1' },
  { limit: '500' },
  { limit: '0' },
  { limit: '501' },
  { limit: 'ten' },
  { limit: '2.5' },
  { limit: '' },
  { limit: ['1', '2'] },
  { type: 'scm', provider: 'github-app', tag: 'prod', q: 'main' },
  { type: '' },
  { type: 'x'.repeat(65) },
  { tag: 'x'.repeat(64) },
  { tag: 'x'.repeat(65) },
  { q: 'x'.repeat(201) },
  { q: 'ab' },
  { status: 'active', health: 'healthy' },
  { status: 'gone' },
  { health: 'fine' },
  { cursor: 'abc' },
  { cursor: 'x'.repeat(1025) },
  { tag: ['a', 'b'] },
  { sort: 'name' },
  { status: 'nope', limit: '0', extra: '1' },
];

describe('ListIntegrationsQueryPipe', () => {
  it('defaults the limit to 50 and converts it to a number', () => {
    expect(pipe.transform({})).toEqual({ limit: 50 });
    expect(pipe.transform({ limit: '7', status: 'failed', q: 'git' })).toEqual({
      limit: 7,
      status: 'failed',
      q: 'git',
    });
    expect(pipe.transform(undefined)).toEqual({ limit: 50 });
  });

  it('reports every bad parameter with its path', () => {
    expect(failedPaths({ status: 'nope', limit: '0', extra: '1' })).toEqual([
      '/status',
      '/limit',
      '/extra',
    ]);
  });

  it.each(cases)('agrees with ListIntegrationsQueryDto on %j', (query) => {
    const dto = plainToInstance(ListIntegrationsQueryDto, query);
    const expected = toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS)).map(
      (error) => error.path,
    );
    expect(failedPaths(query).sort()).toEqual(expected.sort());
    if (expected.length === 0) {
      expect(pipe.transform(query)).toEqual({ ...dto });
    }
  });
});
