import { BadRequestException, NotFoundException } from '@nestjs/common';
import {
  ConflictError,
  InputError,
  NotFoundError,
  PreconditionFailedError,
} from '@stellaops/integrations-core';
import { toProblemDetails } from './problem-details';

describe('toProblemDetails', () => {
  it('keeps field errors of an InputError', () => {
    const body = toProblemDetails(
      new InputError('invalid registration', [{ path: '/name', message: 'is required' }]),
    );
    expect(body).toEqual({
      type: 'https://stellaops.dev/problems/invalid-input',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid registration',
      errors: [{ path: '/name', message: 'is required' }],
    });
  });

  it.each([
    [new NotFoundError('integration not found'), 404],
    [new ConflictError('name taken'), 409],
    [new PreconditionFailedError('stale'), 412],
    [new NotFoundException(), 404],
    [new BadRequestException('bad'), 400],
    [Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), 413],
    [Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), 415],
    [
      Object.assign(new SyntaxError('Unexpected token'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }),
      400,
    ],
    [Object.assign(new URIError('x'), { code: 'FST_ERR_BAD_URL', statusCode: 400 }), 400],
    [Object.assign(new URIError('x'), { code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 }), 404],
  ])('maps %p to %i', (error, status) => {
    expect(toProblemDetails(error).status).toBe(status);
  });

  it('answers an unreachable database with 503', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(toProblemDetails(refused).status).toBe(503);
    expect(toProblemDetails(new Error('Connection terminated unexpectedly')).status).toBe(503);
    expect(
      toProblemDetails({ name: 'QueryFailedError', driverError: { code: '57P01' } }).status,
    ).toBe(503);
  });

  it('says nothing of an unexpected error cause', () => {
    const body = toProblemDetails(new Error('password=hunter2 in connection string'));
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
