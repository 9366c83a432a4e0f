import type { CheckPhase, HealthStatus } from './vocabulary';

/**
 * The outcome of a connection test or a health check. It is data, never an exception: a plugin
 * returns one for every failure it can meet.
 */
export interface CheckResult {
  readonly success: boolean;
  readonly status: HealthStatus;
  /** Human-readable, safe to show and log: it never holds a secret. */
  readonly message: string;
  readonly durationMs: number;
  /** UTC ISO-8601. */
  readonly checkedAt: string;
  /** Whether the same call may succeed later without a change of configuration. */
  readonly isTransient: boolean;
  /** The step that failed, or `null` when the check succeeded. */
  readonly phase: CheckPhase | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export type TestConnectionResult = CheckResult;
export type HealthCheckResult = CheckResult;
