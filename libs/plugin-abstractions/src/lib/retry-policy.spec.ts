import fc from 'fast-check';
import { ProviderError } from './provider-error';
import { RetryPolicy } from './retry-policy';
import type { RetryAttempt } from './retry-policy';
import { AbortedError } from './timeout.error';

const unavailable = (): ProviderError =>
  ProviderError.fromResponse(new Response(null, { status: 503 }));
const refused = (): ProviderError =>
  ProviderError.fromResponse(new Response(null, { status: 401 }));
const rateLimited = (retryAfterSeconds: number): ProviderError =>
  ProviderError.fromResponse(
    new Response(null, { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } }),
  );

/** A sleep that records what it was asked and returns at once. */
function recordingSleep(): jest.Mock<Promise<void>, [number, AbortSignal?]> {
  return jest.fn<Promise<void>, [number, AbortSignal?]>(async () => undefined);
}

/** An operation that fails with `failures` in turn, then returns `value`. */
function failingThen<T>(failures: readonly unknown[], value: T) {
  return jest.fn(async ({ attempt }: RetryAttempt): Promise<T> => {
    const failure = failures[attempt - 1];
    if (failure !== undefined) throw failure;
    return value;
  });
}

describe('RetryPolicy.backoffMs', () => {
  it('doubles the ceiling per attempt and scales it by the random draw (full jitter)', () => {
    const policy = RetryPolicy.create({ baseDelayMs: 100, random: () => 0.5 });
    expect([1, 2, 3, 4].map((attempt) => policy.backoffMs(attempt))).toEqual([50, 100, 200, 400]);
  });

  it('never exceeds maxDelayMs', () => {
    const policy = RetryPolicy.create({ baseDelayMs: 100, maxDelayMs: 300, random: () => 0.5 });
    expect(policy.backoffMs(10)).toBe(150);
  });

  it('stays within [0, min(maxDelayMs, base * 2^(attempt-1))) for any draw', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        (draw, attempt, baseDelayMs, maxDelayMs) => {
          const policy = RetryPolicy.create({ baseDelayMs, maxDelayMs, random: () => draw });
          const ceiling = Math.min(
            Math.max(baseDelayMs, maxDelayMs),
            baseDelayMs * 2 ** (attempt - 1),
          );
          const delay = policy.backoffMs(attempt);
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
        },
      ),
    );
  });

  it('uses the lowest and highest draws at the edges', () => {
    expect(RetryPolicy.create({ baseDelayMs: 1_000, random: () => 0 }).backoffMs(3)).toBe(0);
    expect(RetryPolicy.create({ baseDelayMs: 1_000, random: () => 0.9999 }).backoffMs(3)).toBe(
      3_999,
    );
  });
});

describe('RetryPolicy.execute', () => {
  it('returns the first success, passing the attempt number and signal', async () => {
    const sleep = recordingSleep();
    const signal = new AbortController().signal;
    const operation = failingThen([unavailable(), unavailable()], 'done');
    const policy = RetryPolicy.create({
      maxAttempts: 5,
      baseDelayMs: 100,
      random: () => 0.5,
      sleep,
    });
    await expect(policy.execute(operation, signal)).resolves.toBe('done');
    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([
      { attempt: 1, signal },
      { attempt: 2, signal },
      { attempt: 3, signal },
    ]);
    expect(sleep.mock.calls).toEqual([
      [50, signal],
      [100, signal],
    ]);
  });

  it('stops after maxAttempts and rejects with the last error', async () => {
    const sleep = recordingSleep();
    const errors = [unavailable(), unavailable(), unavailable(), unavailable(), unavailable()];
    const operation = failingThen(errors, 'never');
    const policy = RetryPolicy.create({ maxAttempts: 4, sleep, random: () => 0 });
    await expect(policy.execute(operation)).rejects.toBe(errors[3]);
    expect(operation).toHaveBeenCalledTimes(4);
    expect(sleep).toHaveBeenCalledTimes(3);
  });

  it('makes three attempts by default', async () => {
    const sleep = recordingSleep();
    const operation = failingThen([unavailable(), unavailable(), unavailable(), unavailable()], 1);
    await expect(RetryPolicy.create({ sleep }).execute(operation)).rejects.toBeInstanceOf(
      ProviderError,
    );
    expect(operation).toHaveBeenCalledTimes(3);
  });

  it('never retries a permanent error', async () => {
    const sleep = recordingSleep();
    const error = refused();
    const operation = failingThen([error], 'never');
    await expect(RetryPolicy.create({ maxAttempts: 5, sleep }).execute(operation)).rejects.toBe(
      error,
    );
    expect(operation).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries what a custom isRetryable accepts', async () => {
    const sleep = recordingSleep();
    const operation = failingThen([refused()], 'second time lucky');
    const policy = RetryPolicy.create({ sleep, isRetryable: (e) => e instanceof ProviderError });
    await expect(policy.execute(operation)).resolves.toBe('second time lucky');
  });

  it("waits at least the provider's Retry-After", async () => {
    const sleep = recordingSleep();
    const operation = failingThen([rateLimited(5)], 'ok');
    const policy = RetryPolicy.create({ baseDelayMs: 100, random: () => 0.5, sleep });
    await policy.execute(operation);
    expect(sleep.mock.calls[0]?.[0]).toBe(5_000);
  });

  it('waits the backoff when it is longer than the Retry-After', async () => {
    const sleep = recordingSleep();
    const operation = failingThen([rateLimited(1)], 'ok');
    const policy = RetryPolicy.create({ baseDelayMs: 10_000, random: () => 0.9, sleep });
    await policy.execute(operation);
    expect(sleep.mock.calls[0]?.[0]).toBe(9_000);
  });

  it('gives up at once when the provider asks for too long a wait', async () => {
    const sleep = recordingSleep();
    const error = rateLimited(120);
    const operation = failingThen([error], 'never');
    const policy = RetryPolicy.create({ maxAttempts: 5, maxRetryAfterMs: 60_000, sleep });
    await expect(policy.execute(operation)).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('stops waiting when the signal fires during the backoff', async () => {
    const controller = new AbortController();
    const operation = failingThen([unavailable(), unavailable()], 'never');
    const policy = RetryPolicy.create({ baseDelayMs: 60_000, random: () => 0.5 });
    const startedAt = Date.now();
    setTimeout(() => controller.abort(), 10);
    await expect(policy.execute(operation, controller.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('does not wait once the signal has fired, and reports the failure itself', async () => {
    const sleep = recordingSleep();
    const controller = new AbortController();
    const error = unavailable();
    const operation = jest.fn(async () => {
      controller.abort();
      throw error;
    });
    await expect(RetryPolicy.create({ sleep }).execute(operation, controller.signal)).rejects.toBe(
      error,
    );
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('RetryPolicy.delayBeforeRetry', () => {
  const policy = RetryPolicy.create({ maxAttempts: 3, baseDelayMs: 100, random: () => 0.5 });

  it('gives the backoff for a transient error while attempts remain', () => {
    expect(policy.delayBeforeRetry(1, unavailable())).toBe(50);
    expect(policy.delayBeforeRetry(2, unavailable())).toBe(100);
  });

  it('gives up when the attempts are spent or the error is permanent', () => {
    expect(policy.delayBeforeRetry(3, unavailable())).toBeNull();
    expect(policy.delayBeforeRetry(1, refused())).toBeNull();
    expect(policy.delayBeforeRetry(1, new Error('a bug'))).toBeNull();
  });

  it('normalises maxAttempts to a whole number of at least one', () => {
    expect(RetryPolicy.create({ maxAttempts: 0 }).maxAttempts).toBe(1);
    expect(RetryPolicy.create({ maxAttempts: 2.7 }).maxAttempts).toBe(2);
  });
});
