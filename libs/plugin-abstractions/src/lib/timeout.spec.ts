import { getEventListeners } from 'node:events';
import { sleep, withTimeout } from './timeout';
import { AbortedError, TimeoutError } from './timeout.error';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

async function settledState(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 1,
      () => 1,
    ),
    Promise.resolve(marker),
  ]);
  return winner === marker ? 'pending' : 'settled';
}

describe('withTimeout', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves with the value of an operation that finishes in time', async () => {
    await expect(withTimeout(async () => 42, { timeoutMs: 1_000 })).resolves.toBe(42);
  });

  it('rejects with the error of an operation that fails in time, unchanged', async () => {
    const failure = new Error('provider said no');
    await expect(withTimeout(() => Promise.reject(failure), { timeoutMs: 1_000 })).rejects.toBe(
      failure,
    );
  });

  it('turns a synchronous throw into a rejection', async () => {
    const failure = new Error('sync');
    const operation = (): Promise<never> => {
      throw failure;
    };
    await expect(withTimeout(operation, { timeoutMs: 1_000 })).rejects.toBe(failure);
  });

  it('times out even when the operation ignores its signal', async () => {
    jest.useFakeTimers();
    let seen: AbortSignal | undefined;
    const result = withTimeout(
      (signal) => {
        seen = signal;
        return never();
      },
      { timeoutMs: 1_000, phase: 'api' },
    );
    jest.advanceTimersByTime(999);
    expect(await settledState(result)).toBe('pending');
    expect(seen?.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    const error: unknown = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      timeoutMs: 1_000,
      phase: 'api',
      message: 'no answer within 1000 ms',
    });
    // A well-behaved operation learns why it should stop.
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
  });

  it("reports a timeout in the connect phase when the operation can't say", async () => {
    await expect(withTimeout(never, { timeoutMs: 5 })).rejects.toMatchObject({ phase: 'connect' });
  });

  it('ends with an AbortedError promptly when the caller aborts', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const startedAt = Date.now();
    const result = withTimeout(
      (signal) => {
        seen = signal;
        return never();
      },
      { timeoutMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(result).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(AbortedError);
  });

  it('does not start the operation when the signal is already aborted', async () => {
    const operation = jest.fn(async () => 'ran');
    await expect(
      withTimeout(operation, { timeoutMs: 1_000, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(operation).not.toHaveBeenCalled();
  });

  it('keeps a limit longer than the platform timer can hold instead of firing at once', async () => {
    const result = withTimeout(
      () => new Promise<string>((resolve) => setTimeout(() => resolve('late but fine'), 20)),
      { timeoutMs: 2 ** 31 },
    );
    await expect(result).resolves.toBe('late but fine');
  });

  describe('cleans up after itself', () => {
    it.each([
      ['resolves', () => Promise.resolve('ok')],
      ['rejects', () => Promise.reject(new Error('no'))],
      ['times out', never],
    ])('leaves no timer and no abort listener when the operation %s', async (_label, operation) => {
      jest.useFakeTimers();
      const controller = new AbortController();
      const result = withTimeout(operation, { timeoutMs: 100, signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      jest.advanceTimersByTime(100);
      await result.catch(() => undefined);
      expect(jest.getTimerCount()).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('clears its timer when the caller aborts', async () => {
      jest.useFakeTimers();
      const controller = new AbortController();
      const result = withTimeout(never, { timeoutMs: 100, signal: controller.signal });
      controller.abort();
      await result.catch(() => undefined);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});

describe('sleep', () => {
  afterEach(() => jest.useRealTimers());

  it('waits the given time', async () => {
    jest.useFakeTimers();
    const done = sleep(100);
    jest.advanceTimersByTime(99);
    expect(await settledState(done)).toBe('pending');
    jest.advanceTimersByTime(1);
    await expect(done).resolves.toBeUndefined();
  });

  it('rejects with an AbortedError as soon as the signal fires, and clears its timer', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    const done = sleep(10_000, controller.signal);
    controller.abort();
    await expect(done).rejects.toBeInstanceOf(AbortedError);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });

  it('removes its abort listener once it has waited', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    const done = sleep(10, controller.signal);
    jest.advanceTimersByTime(10);
    await done;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('keeps waiting for a delay longer than the platform timer can hold', async () => {
    const controller = new AbortController();
    const done = sleep(2 ** 32, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await settledState(done)).toBe('pending');
    controller.abort();
    await expect(done).rejects.toBeInstanceOf(AbortedError);
  });
});
