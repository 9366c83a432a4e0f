import { retryAfterMs } from './rate-limit-headers';
import type { CheckPhase } from './vocabulary';

export interface ProviderErrorOptions {
  readonly phase: CheckPhase;
  readonly isTransient: boolean;
  readonly httpStatus?: number;
  /** How long the provider asked us to wait before trying again. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A failure reported by (or on the way to) a provider, classified for the caller: which phase
 * failed and whether a retry may help. Its message is shown to users: never put a secret in it.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly phase: CheckPhase;
  readonly isTransient: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phase = options.phase;
    this.isTransient = options.isTransient;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Classifies an HTTP response that was not a success. 401 is an authentication failure, 403 an
   * authorization failure unless the provider signals a rate limit (GitHub answers secondary rate
   * limits with 403), 408/425/429/5xx are transient.
   */
  static fromResponse(
    response: Pick<Response, 'status' | 'statusText' | 'headers'>,
    context?: string,
    now: Date = new Date(),
  ): ProviderError {
    const status = response.status;
    const wait = retryAfterMs(response.headers, now);
    const rateLimited =
      status === 429 ||
      ((status === 403 || status === 503) && wait !== undefined) ||
      (status === 403 && response.headers.get('x-ratelimit-remaining') === '0');
    const prefix = context ? `${context}: ` : '';
    const statusText = response.statusText ? ` ${response.statusText}` : '';
    const options = (phase: CheckPhase, isTransient: boolean): ProviderErrorOptions => ({
      phase,
      isTransient,
      httpStatus: status,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
    if (rateLimited) {
      const after = wait === undefined ? '' : `; retry after ${Math.ceil(wait / 1000)} s`;
      return new ProviderError(
        `${prefix}rate limited by the provider (HTTP ${status})${after}`,
        options('api', true),
      );
    }
    if (status === 401) {
      return new ProviderError(
        `${prefix}the provider refused the credentials (HTTP 401${statusText})`,
        options('auth', false),
      );
    }
    if (status === 403) {
      return new ProviderError(
        `${prefix}the credentials lack a permission this call needs (HTTP 403${statusText})`,
        options('authorization', false),
      );
    }
    return new ProviderError(
      `${prefix}the provider answered HTTP ${status}${statusText}`,
      options('api', isTransientHttpStatus(status)),
    );
  }
}

/** Statuses after which the same request may succeed without a change. */
export function isTransientHttpStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}
