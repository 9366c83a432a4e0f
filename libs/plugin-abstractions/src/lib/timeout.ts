import { AbortedError, TimeoutError } from './timeout.error';
import type { CheckPhase } from './vocabulary';

// setTimeout fires at once (after 1 ms) for a delay above this, which would turn a long limit into
// an immediate timeout.
const MAX_TIMER_MS = 2 ** 31 - 1;

function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

export interface WithTimeoutOptions {
  readonly timeoutMs: number;
  /** The caller's signal; when it fires, the operation ends with an `AbortedError`. */
  readonly signal?: AbortSignal;
  /** The phase a timeout is reported in, when the operation cannot say. */
  readonly phase?: CheckPhase;
}

/**
 * Runs `operation` with a signal that fires on timeout or on the caller's abort, and settles as
 * soon as either happens even when the operation ignores its signal: nothing waits on a hung call.
 */
export function withTimeout<T>(
  operation: (signal: AbortSignal) => Promise<T>,
  options: WithTimeoutOptions,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = (): void => {
      const error = new AbortedError();
      controller.abort(error);
      finish(() => reject(error));
    };
    const timer = setTimeout(() => {
      const error = new TimeoutError(options.timeoutMs, options.phase);
      controller.abort(error);
      finish(() => reject(error));
    }, timerDelay(options.timeoutMs));
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = operation(controller.signal);
    } catch (error) {
      finish(() => reject(error));
      return;
    }
    pending.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Waits `ms`, or rejects with an `AbortedError` as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, timerDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
