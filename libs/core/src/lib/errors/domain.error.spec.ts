import { ConflictError } from './conflict.error';
import { DomainError } from './domain.error';
import type { DomainErrorKind } from './domain.error';
import { InputError } from './input.error';
import { NotFoundError } from './not-found.error';
import { PreconditionFailedError } from './precondition-failed.error';

describe('domain errors', () => {
  it.each([
    [ConflictError, 'ConflictError', 'conflict'],
    [InputError, 'InputError', 'input'],
    [NotFoundError, 'NotFoundError', 'not-found'],
    [PreconditionFailedError, 'PreconditionFailedError', 'precondition-failed'],
  ] as const)('%p has its name and kind', (ErrorClass, name, kind: DomainErrorKind) => {
    const error = new ErrorClass('what to do next');
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.kind).toBe(kind);
    expect(error.message).toBe('what to do next');
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });

  it('keeps its cause', () => {
    const cause = new Error('duplicate key value violates unique constraint');
    expect(new ConflictError('the name is taken in this tenant', { cause }).cause).toBe(cause);
    expect(new NotFoundError('no such integration', { cause }).cause).toBe(cause);
  });

  it('InputError carries its field errors and its cause', () => {
    const cause = new Error('schema');
    const errors = [
      { path: '/settings/latencyMs', message: 'must be a number' },
      { path: '/name', message: 'is required' },
    ];
    const error = new InputError('the registration is invalid', errors, { cause });
    expect(error.errors).toEqual(errors);
    expect(error.cause).toBe(cause);
    expect(new InputError('bad').errors).toEqual([]);
  });
});
