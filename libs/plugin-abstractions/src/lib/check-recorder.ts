import type { CheckResult } from './check-result';
import { classifyError } from './classify-error';
import type { Clock, PluginHost } from './plugin-host';
import { systemClock } from './plugin-host';
import { withTimeout } from './timeout';
import type { CheckPhase, HealthStatus } from './vocabulary';

type Details = Readonly<Record<string, unknown>>;

export interface FailureInput {
  readonly phase: CheckPhase | null;
  readonly message: string;
  readonly isTransient: boolean;
  /** Default `unhealthy`; `unknown` when nothing could be learned (an abort). */
  readonly status?: Exclude<HealthStatus, 'healthy'>;
  readonly details?: Details;
}

/**
 * Builds the result of one test or check, measuring its duration from `start` and stamping
 * `checkedAt` in UTC. Create one at the start of a check and return one of its results.
 */
export class CheckRecorder {
  private readonly startedAt: number;

  private constructor(private readonly clock: Clock) {
    this.startedAt = clock.now().getTime();
  }

  static start(clock: Clock = systemClock): CheckRecorder {
    return new CheckRecorder(clock);
  }

  healthy(message: string, details: Details = {}): CheckResult {
    return this.build({
      success: true,
      status: 'healthy',
      message,
      isTransient: false,
      phase: null,
      details,
    });
  }

  /** Reached and authenticated, but working with reduced function: still a success. */
  degraded(message: string, details: Details = {}): CheckResult {
    return this.build({
      success: true,
      status: 'degraded',
      message,
      isTransient: false,
      phase: null,
      details,
    });
  }

  failed(input: FailureInput): CheckResult {
    return this.build({
      success: false,
      status: input.status ?? 'unhealthy',
      message: input.message,
      isTransient: input.isTransient,
      phase: input.phase,
      details: input.details ?? {},
    });
  }

  /** A failure from any thrown value, classified by `classifyError`. */
  fromError(error: unknown, details: Details = {}): CheckResult {
    const classified = classifyError(error);
    const aborted = classified.phase === null;
    return this.failed({
      phase: classified.phase,
      message: classified.message,
      isTransient: classified.isTransient,
      status: aborted ? 'unknown' : 'unhealthy',
      details: {
        ...details,
        ...(classified.code === undefined ? {} : { code: classified.code }),
        ...(classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs }),
      },
    });
  }

  private build(fields: Omit<CheckResult, 'durationMs' | 'checkedAt'>): CheckResult {
    const now = this.clock.now();
    return {
      ...fields,
      durationMs: Math.max(0, now.getTime() - this.startedAt),
      checkedAt: now.toISOString(),
    };
  }
}

/**
 * Runs a check body so that it can neither throw nor outlive `host.timeoutMs` or `signal`: the
 * body's own signal fires on either, and any error becomes a classified failure result.
 */
export async function guardCheck(
  host: Pick<PluginHost, 'clock' | 'timeoutMs'>,
  signal: AbortSignal,
  body: (signal: AbortSignal, check: CheckRecorder) => Promise<CheckResult>,
): Promise<CheckResult> {
  const check = CheckRecorder.start(host.clock);
  try {
    return await withTimeout((inner) => body(inner, check), {
      timeoutMs: host.timeoutMs,
      signal,
    });
  } catch (error) {
    return check.fromError(error);
  }
}
