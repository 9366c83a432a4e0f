/** Anything with a case-insensitive `get`, such as the platform's `Headers`. */
export interface HeaderSource {
  get(name: string): string | null;
}

// Values above this are epoch seconds (GitHub's x-ratelimit-reset, GitLab's RateLimit-Reset);
// below it, a delta in seconds (the IETF RateLimit header draft).
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

/**
 * How long the provider asked the caller to wait, in milliseconds, or `undefined` when it did not
 * say. Reads `Retry-After` (seconds or an HTTP date), then the rate-limit reset headers, which
 * count only once the remaining quota is spent.
 */
export function retryAfterMs(headers: HeaderSource, now: Date = new Date()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const parsed = parseRetryAfter(retryAfter.trim(), now);
    if (parsed !== undefined) return parsed;
  }
  for (const [remainingName, resetName] of [
    ['x-ratelimit-remaining', 'x-ratelimit-reset'],
    ['ratelimit-remaining', 'ratelimit-reset'],
  ] as const) {
    const remaining = headers.get(remainingName);
    const reset = headers.get(resetName);
    if (remaining === null || reset === null || Number(remaining) > 0) continue;
    const value = Number(reset);
    if (!Number.isFinite(value) || value < 0) continue;
    const ms =
      value > EPOCH_SECONDS_THRESHOLD ? value * 1000 - now.getTime() : Math.round(value * 1000);
    return Math.max(0, ms);
  }
  return undefined;
}

function parseRetryAfter(value: string, now: Date): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date names its month; without this, Date.parse reads a stray '-5' as a year-2001 date.
  if (!/[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
