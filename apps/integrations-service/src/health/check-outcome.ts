import type {
  CheckOutcome,
  CheckResult,
  HealthStatus,
  Integration,
} from '@stellaops/integrations-core';
import { assessHealth, checkGapSeconds, nextCheckAtMs } from '@stellaops/integrations-core';
import type { HealthCheckRecord } from '@stellaops/integrations-persistence';
import type { HealthConfig } from './health.config';

/** What a check leaves on its registration: the status model's verdict and the next due time. */
export interface CheckVerdict {
  readonly health: HealthStatus;
  readonly consecutiveFailures: number;
  /** UTC ISO-8601. */
  readonly nextCheckAt: string;
}

/**
 * The verdict on a registration after one check, for the poller and the API alike: its health
 * and failure streak by the core status model, and its next check one gap (the interval, or the
 * backoff after failures) after the time the check was due. A check asked for through the API
 * was due when it ran.
 */
export function verdictAfterCheck(
  integration: Pick<Integration, 'consecutiveFailures' | 'healthCheckIntervalSeconds'>,
  outcome: CheckOutcome,
  config: Pick<HealthConfig, 'thresholds' | 'schedule'>,
  dueAtMs: number,
  nowMs = Date.now(),
): CheckVerdict {
  const assessment = assessHealth(integration.consecutiveFailures, outcome, config.thresholds);
  const gap = checkGapSeconds(
    integration.healthCheckIntervalSeconds,
    assessment.consecutiveFailures,
    config.schedule,
  );
  return {
    health: assessment.health,
    consecutiveFailures: assessment.consecutiveFailures,
    nextCheckAt: new Date(nextCheckAtMs(dueAtMs, nowMs, gap)).toISOString(),
  };
}

/** The fields of a check's result that its history entry keeps. */
export function historyFieldsOf(result: CheckResult): HealthCheckRecord {
  return {
    status: result.status,
    success: result.success,
    phase: result.phase,
    isTransient: result.isTransient,
    message: result.message,
    durationMs: result.durationMs,
    checkedAt: result.checkedAt,
    details: result.details,
  };
}
