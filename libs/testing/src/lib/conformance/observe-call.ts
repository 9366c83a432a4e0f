import { performance } from 'node:perf_hooks';

export type CallOutcome =
  | { readonly kind: 'resolved'; readonly value: unknown }
  | { readonly kind: 'rejected'; readonly error: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'pending' };

export interface CallObservation {
  readonly outcome: CallOutcome;
  /** From the call to its settlement, or to the moment the observer gave up. */
  readonly elapsedMs: number;
  /** When the observer fired the signal, in ms from the call, if it did. */
  readonly abortedAtMs: number | undefined;
}

export interface ObserveCallOptions {
  /** Give up waiting after this long; the outcome is then `pending`. */
  readonly deadlineMs: number;
  /** The controller of the signal the call was given: fired after `abortAfterMs`, and on giving up. */
  readonly controller: AbortController;
  readonly abortAfterMs?: number;
}

/**
 * Calls `invoke` and watches it without trusting it: a synchronous throw, a rejection and a
 * promise that never settles are all observed, and the observer itself always returns by the
 * deadline.
 */
export async function observeCall(
  invoke: () => Promise<unknown>,
  options: ObserveCallOptions,
): Promise<CallObservation> {
  const startedAt = performance.now();
  let abortedAtMs: number | undefined;
  const abortTimer =
    options.abortAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          abortedAtMs = performance.now() - startedAt;
          options.controller.abort();
        }, options.abortAfterMs);
  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CallOutcome>((resolve) => {
    deadlineTimer = setTimeout(() => resolve({ kind: 'pending' }), options.deadlineMs);
  });
  const call = new Promise<CallOutcome>((resolve) => {
    try {
      Promise.resolve(invoke()).then(
        (value) => resolve({ kind: 'resolved', value }),
        (error: unknown) => resolve({ kind: 'rejected', error }),
      );
    } catch (error) {
      resolve({ kind: 'threw', error });
    }
  });
  const outcome = await Promise.race([call, deadline]);
  const elapsedMs = performance.now() - startedAt;
  clearTimeout(deadlineTimer);
  clearTimeout(abortTimer);
  // A call still running past the deadline is told to stop, so it does not linger.
  if (outcome.kind === 'pending') options.controller.abort();
  return { outcome, elapsedMs, abortedAtMs };
}
