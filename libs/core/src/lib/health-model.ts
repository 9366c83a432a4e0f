import type { HealthStatus } from './vocabulary';

/**
 * The registration's health, derived from one check's result and the failure streak before it.
 *
 * - A check that passed reports the provider's state: `healthy`, or `degraded` when the plugin
 *   said so (a credential about to expire, a provider reporting partial service).
 * - A check that could not run or could not conclude (`status: 'unknown'` in the result: the
 *   plugin is missing, the credentials are unreadable, the site is offline) is `unknown`: never
 *   healthy, and the streak is left as it was.
 * - A failure that is not transient (wrong credentials, a missing permission, a 404) is
 *   `unhealthy` at once: retrying will not mend it.
 * - Transient failures (timeouts, 5xx, the network) are `degraded` until `unhealthyAfter`
 *   consecutive failures, then `unhealthy`.
 */
export interface HealthThresholds {
  /** Consecutive transient failures after which a registration is unhealthy (default 3). */
  readonly unhealthyAfter: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { unhealthyAfter: 3 };

/** The part of a check result the model reads. */
export interface CheckOutcome {
  readonly success: boolean;
  readonly status: HealthStatus;
  readonly isTransient: boolean;
}

export interface HealthAssessment {
  readonly health: HealthStatus;
  /** The failure streak after this check: reset by a success, unchanged by an `unknown`. */
  readonly consecutiveFailures: number;
}

export function assessHealth(
  consecutiveFailuresBefore: number,
  outcome: CheckOutcome,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
): HealthAssessment {
  if (outcome.success) {
    return {
      health: outcome.status === 'degraded' ? 'degraded' : 'healthy',
      consecutiveFailures: 0,
    };
  }
  if (outcome.status === 'unknown') {
    return { health: 'unknown', consecutiveFailures: consecutiveFailuresBefore };
  }
  const consecutiveFailures = consecutiveFailuresBefore + 1;
  if (!outcome.isTransient) return { health: 'unhealthy', consecutiveFailures };
  return {
    health: consecutiveFailures >= thresholds.unhealthyAfter ? 'unhealthy' : 'degraded',
    consecutiveFailures,
  };
}

/**
 * When a registration is checked next.
 *
 * - On schedule: every `intervalSeconds`, anchored to the time it was due, so that the checks of a
 *   registration stay one interval apart whatever the time a check took.
 * - Backoff: after `k` consecutive failures the gap is `interval × 2^(k-1)`, at most
 *   `maxBackoffMultiplier` intervals and at most `maxBackoffSeconds` (but never below one
 *   interval). A success returns to the interval at once.
 * - Catching up: a due time more than one gap in the past (the fleet was down, the poller fell
 *   behind) is not replayed: the next check is placed at a random point of the coming gap, so
 *   that a restarted fleet does not check everything at the same moment.
 */
export interface CheckSchedulePolicy {
  readonly maxBackoffMultiplier: number;
  readonly maxBackoffSeconds: number;
}

export const DEFAULT_CHECK_SCHEDULE_POLICY: CheckSchedulePolicy = {
  maxBackoffMultiplier: 8,
  maxBackoffSeconds: 3_600,
};

export function checkGapSeconds(
  intervalSeconds: number,
  consecutiveFailures: number,
  policy: CheckSchedulePolicy = DEFAULT_CHECK_SCHEDULE_POLICY,
): number {
  if (consecutiveFailures <= 0) return intervalSeconds;
  const multiplier = Math.min(2 ** (consecutiveFailures - 1), policy.maxBackoffMultiplier);
  return Math.max(
    intervalSeconds,
    Math.min(intervalSeconds * multiplier, policy.maxBackoffSeconds),
  );
}

/**
 * @param dueAtMs when the check that just ran was due
 * @param nowMs when it finished
 * @param random a number in [0, 1) (injectable for tests)
 */
export function nextCheckAtMs(
  dueAtMs: number,
  nowMs: number,
  gapSeconds: number,
  random: () => number = Math.random,
): number {
  const gapMs = gapSeconds * 1_000;
  const onSchedule = dueAtMs + gapMs;
  if (onSchedule > nowMs) return onSchedule;
  return nowMs + Math.floor(random() * gapMs);
}
