import { isTransientHttpStatus, ProviderError } from './provider-error';

const NOW = new Date('2026-11-02T10:00:00.000Z');

function response(status: number, headers: Record<string, string> = {}, statusText = ''): Response {
  return new Response(null, { status, statusText, headers });
}

describe('ProviderError.fromResponse', () => {
  it('classifies 401 as a permanent authentication failure', () => {
    const error = ProviderError.fromResponse(response(401, {}, 'Unauthorized'), 'GET /user', NOW);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProviderError');
    expect(error).toMatchObject({ phase: 'auth', isTransient: false, httpStatus: 401 });
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toBe(
      'GET /user: the provider refused the credentials (HTTP 401 Unauthorized)',
    );
  });

  it('classifies 403 as a permanent authorization failure', () => {
    const error = ProviderError.fromResponse(response(403, { 'x-ratelimit-remaining': '4999' }));
    expect(error).toMatchObject({ phase: 'authorization', isTransient: false, httpStatus: 403 });
    expect(error.message).toContain('lack a permission');
  });

  it('classifies 403 with x-ratelimit-remaining 0 as a transient rate limit', () => {
    const reset = String(NOW.getTime() / 1000 + 30);
    const error = ProviderError.fromResponse(
      response(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
      undefined,
      NOW,
    );
    expect(error).toMatchObject({
      phase: 'api',
      isTransient: true,
      httpStatus: 403,
      retryAfterMs: 30_000,
    });
    expect(error.message).toBe('rate limited by the provider (HTTP 403); retry after 30 s');
  });

  it('classifies 403 with x-ratelimit-remaining 0 and no reset as a rate limit too', () => {
    const error = ProviderError.fromResponse(response(403, { 'x-ratelimit-remaining': '0' }));
    expect(error).toMatchObject({ phase: 'api', isTransient: true, retryAfterMs: undefined });
  });

  it('classifies 403 with Retry-After (a secondary rate limit) as transient', () => {
    const error = ProviderError.fromResponse(response(403, { 'retry-after': '60' }), 'x', NOW);
    expect(error).toMatchObject({ phase: 'api', isTransient: true, retryAfterMs: 60_000 });
  });

  it('classifies 429 as transient and carries Retry-After', () => {
    const error = ProviderError.fromResponse(response(429, { 'retry-after': '7' }), 'GET /x', NOW);
    expect(error).toMatchObject({
      phase: 'api',
      isTransient: true,
      httpStatus: 429,
      retryAfterMs: 7_000,
    });
    expect(error.message).toBe('GET /x: rate limited by the provider (HTTP 429); retry after 7 s');
  });

  it('classifies 429 without Retry-After as transient', () => {
    const error = ProviderError.fromResponse(response(429));
    expect(error).toMatchObject({ isTransient: true, retryAfterMs: undefined });
    expect(error.message).toBe('rate limited by the provider (HTTP 429)');
  });

  it.each([500, 502, 503, 504, 408])('classifies %i as a transient API failure', (status) => {
    const error = ProviderError.fromResponse(response(status));
    expect(error).toMatchObject({ phase: 'api', isTransient: true, httpStatus: status });
  });

  it('keeps the Retry-After of a 503', () => {
    const error = ProviderError.fromResponse(response(503, { 'retry-after': '2' }), 'x', NOW);
    expect(error).toMatchObject({ phase: 'api', isTransient: true, retryAfterMs: 2_000 });
  });

  it.each([400, 404, 409, 422])('classifies %i as a permanent API failure', (status) => {
    const error = ProviderError.fromResponse(response(status, {}, 'Not Found'));
    expect(error).toMatchObject({ phase: 'api', isTransient: false, httpStatus: status });
    expect(error.message).toBe(`the provider answered HTTP ${status} Not Found`);
  });
});

describe('ProviderError', () => {
  it('keeps its cause and the options it was given', () => {
    const cause = new Error('socket hang up');
    const error = new ProviderError('listing tags failed', {
      phase: 'api',
      isTransient: true,
      retryAfterMs: 100,
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ phase: 'api', isTransient: true, retryAfterMs: 100 });
    expect(error.httpStatus).toBeUndefined();
  });
});

describe('isTransientHttpStatus', () => {
  it.each([
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [425, true],
    [429, true],
    [500, true],
    [599, true],
    [600, false],
  ])('%i -> %s', (status, transient) => {
    expect(isTransientHttpStatus(status)).toBe(transient);
  });
});
