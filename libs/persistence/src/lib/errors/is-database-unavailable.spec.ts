import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './is-database-unavailable';

function pgError(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a client-side read timeout', new Error('Query read timeout')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    [
      'a statement cancelled by statement_timeout',
      new QueryFailedError('SELECT', [], pgError('57014')),
    ],
    ['a server shutting down', new QueryFailedError('SELECT', [], pgError('57P01'))],
    ['too many connections', pgError('53300')],
    ['a cause chain', new Error('outer', { cause: new Error('Query read timeout') })],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], pgError('23505'))],
    ['invalid text (NUL)', new QueryFailedError('SELECT', [], pgError('22021'))],
    ['a numeric overflow', new QueryFailedError('SELECT', [], pgError('22003'))],
    ['a programming error', new TypeError('x is undefined')],
    ['not an error', 'Query read timeout?'],
    ['null', null],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
