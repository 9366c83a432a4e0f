import type { CheckPhase } from './vocabulary';

/** An operation did not finish within its time limit. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;
  readonly phase: CheckPhase;

  constructor(timeoutMs: number, phase: CheckPhase = 'connect') {
    super(`no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
    this.phase = phase;
  }
}

/** An operation was stopped because its caller's AbortSignal fired. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';

  constructor(reason = 'the operation was aborted by its caller') {
    super(reason);
  }
}

/**
 * True for our AbortedError (also another copy's, recognised by name) and for the platform's
 * `AbortError` (DOMException or Error).
 */
export function isAbortError(error: unknown): boolean {
  if (error instanceof AbortedError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'AbortError' || name === 'AbortedError';
}
