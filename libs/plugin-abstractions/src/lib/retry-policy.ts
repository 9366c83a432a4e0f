import { classifyError } from './classify-error';
import { sleep as abortableSleep } from './timeout';

export interface RetryPolicyOptions {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** The backoff's base: attempt n waits up to `baseDelayMs * 2^(n-1)`. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** The cap on one backoff delay. Default 30 s. */
  readonly maxDelayMs?: number;
  /**
   * The longest `Retry-After` (or rate-limit reset) the policy waits for; a provider asking for
   * longer makes it give up at once, reporting the transient error. Default 60 s.
   */
  readonly maxRetryAfterMs?: number;
  /** Decides whether an error may be retried. Default: `classifyError(error).isTransient`. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Source of randomness for the jitter, in [0, 1). Tests pass a fixed one. */
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RetryAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Exponential backoff with full jitter (a random delay between zero and the exponential cap), a
 * cap on attempts, and the provider's own `Retry-After` honoured as a lower bound. Permanent
 * errors (auth, not found, validation) are never retried.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly isRetryable: (error: unknown) => boolean;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  private constructor(options: RetryPolicyOptions) {
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
    this.baseDelayMs = Math.max(0, options.baseDelayMs ?? 250);
    this.maxDelayMs = Math.max(this.baseDelayMs, options.maxDelayMs ?? 30_000);
    this.maxRetryAfterMs = Math.max(0, options.maxRetryAfterMs ?? 60_000);
    this.isRetryable = options.isRetryable ?? ((error) => classifyError(error).isTransient);
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
  }

  static create(options: RetryPolicyOptions = {}): RetryPolicy {
    return new RetryPolicy(options);
  }

  /** The jittered backoff before attempt `attempt + 1`, ignoring what the provider asked. */
  backoffMs(attempt: number): number {
    const exponential = this.baseDelayMs * 2 ** Math.max(0, attempt - 1);
    return Math.floor(this.random() * Math.min(this.maxDelayMs, exponential));
  }

  /**
   * The delay before retrying after `error` on attempt `attempt`, or `null` when the policy gives
   * up: the error is permanent, attempts are spent, or the provider asked for too long a wait.
   */
  delayBeforeRetry(attempt: number, error: unknown): number | null {
    if (attempt >= this.maxAttempts || !this.isRetryable(error)) return null;
    const requested = classifyError(error).retryAfterMs;
    if (requested !== undefined && requested > this.maxRetryAfterMs) return null;
    return Math.max(requested ?? 0, this.backoffMs(attempt));
  }

  async execute<T>(
    operation: (attempt: RetryAttempt) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation({ attempt, signal });
      } catch (error) {
        const delay = this.delayBeforeRetry(attempt, error);
        if (delay === null || signal?.aborted) throw error;
        await this.sleep(delay, signal);
      }
    }
  }
}
