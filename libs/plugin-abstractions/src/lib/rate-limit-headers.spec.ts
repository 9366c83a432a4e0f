import { retryAfterMs } from './rate-limit-headers';

const NOW = new Date('2026-11-02T10:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function headers(init: Record<string, string>): Headers {
  return new Headers(init);
}

describe('retryAfterMs', () => {
  it('reads Retry-After given in seconds', () => {
    expect(retryAfterMs(headers({ 'Retry-After': '120' }), NOW)).toBe(120_000);
    expect(retryAfterMs(headers({ 'retry-after': ' 1.5 ' }), NOW)).toBe(1_500);
    expect(retryAfterMs(headers({ 'retry-after': '0' }), NOW)).toBe(0);
  });

  it('reads Retry-After given as an HTTP date, relative to now', () => {
    const inThirtySeconds = new Date(NOW.getTime() + 30_000).toUTCString();
    expect(retryAfterMs(headers({ 'Retry-After': inThirtySeconds }), NOW)).toBe(30_000);
  });

  it('reads the obsolete asctime date form too', () => {
    expect(retryAfterMs(headers({ 'Retry-After': 'Mon Nov  2 10:01:00 2026' }), NOW)).toBe(60_000);
  });

  it('treats an HTTP date in the past as no wait', () => {
    const past = new Date(NOW.getTime() - 5_000).toUTCString();
    expect(retryAfterMs(headers({ 'Retry-After': past }), NOW)).toBe(0);
  });

  it('ignores a Retry-After that is neither seconds nor a date', () => {
    expect(retryAfterMs(headers({ 'Retry-After': 'soon' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'Retry-After': '-5' }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({ 'Retry-After': '   ' }), NOW)).toBeUndefined();
  });

  it('reads x-ratelimit-reset as epoch seconds once the quota is spent', () => {
    const h = headers({
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW_SECONDS + 42),
    });
    expect(retryAfterMs(h, NOW)).toBe(42_000);
  });

  it('reads ratelimit-reset as a delta in seconds (IETF draft)', () => {
    const h = headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': '17' });
    expect(retryAfterMs(h, NOW)).toBe(17_000);
  });

  it('reads ratelimit-reset as epoch seconds when it is one (GitLab)', () => {
    const h = headers({ 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(NOW_SECONDS + 90) });
    expect(retryAfterMs(h, NOW)).toBe(90_000);
  });

  it('treats a reset in the past as no wait', () => {
    const h = headers({
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW_SECONDS - 10),
    });
    expect(retryAfterMs(h, NOW)).toBe(0);
  });

  it('ignores reset headers while quota remains', () => {
    const h = headers({
      'x-ratelimit-remaining': '12',
      'x-ratelimit-reset': String(NOW_SECONDS + 42),
      'ratelimit-remaining': '1',
      'ratelimit-reset': '17',
    });
    expect(retryAfterMs(h, NOW)).toBeUndefined();
  });

  it('ignores a reset without a remaining count, and an unreadable reset', () => {
    expect(retryAfterMs(headers({ 'x-ratelimit-reset': String(NOW_SECONDS + 42) }), NOW)).toBe(
      undefined,
    );
    const h = headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'later' });
    expect(retryAfterMs(h, NOW)).toBeUndefined();
  });

  it('prefers Retry-After over the reset headers', () => {
    const h = headers({
      'retry-after': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW_SECONDS + 600),
    });
    expect(retryAfterMs(h, NOW)).toBe(5_000);
  });

  it('falls back to the reset headers when Retry-After is unreadable', () => {
    const h = headers({
      'retry-after': 'soon',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '3',
    });
    expect(retryAfterMs(h, NOW)).toBe(3_000);
  });

  it('returns undefined when the provider said nothing', () => {
    expect(retryAfterMs(headers({ 'content-type': 'application/json' }), NOW)).toBeUndefined();
  });

  it('measures from the current time by default', () => {
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
    const wait = retryAfterMs(headers({ 'retry-after': inOneMinute }));
    // HTTP dates have whole seconds: the milliseconds of now are lost.
    expect(wait).toBeGreaterThan(58_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });
});
