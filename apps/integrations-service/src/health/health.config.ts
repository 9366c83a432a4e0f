import type { CheckSchedulePolicy, HealthThresholds } from '@stellaops/integrations-core';
import { ConfigError } from '../config/config.error';
import type { Env } from '../config/env-values';
import { flag, integer, nonEmpty } from '../config/env-values';
import type { HealthHistoryRetention } from '@stellaops/integrations-persistence';

/** The health module's slice of the configuration. */
export interface HealthConfig {
  /** INTEGRATIONS_OFFLINE: no check is attempted; every one is `unknown`, saying the site is offline. */
  readonly offline: boolean;
  /** CHECK_TIMEOUT_MS: a check's time limit unless its plugin's manifest sets its own. */
  readonly checkTimeoutMs: number;
  readonly thresholds: HealthThresholds;
  readonly schedule: CheckSchedulePolicy;
  readonly retention: HealthHistoryRetention;
  readonly poller: {
    /** HEALTH_POLLER_ENABLED (default true). */
    readonly enabled: boolean;
    /** HEALTH_POLLER_CONCURRENCY: checks running at once in this replica (default 50). */
    readonly concurrency: number;
    /** HEALTH_POLLER_PROVIDER_CONCURRENCY: at once per provider in this replica (default 20). */
    readonly providerConcurrency: number;
    /** HEALTH_POLLER_PROVIDER_LIMITS: per-provider overrides, `github-app=5,harbor=10`. */
    readonly providerLimits: ReadonlyMap<string, number>;
    /** HEALTH_POLLER_IDLE_MS: how often an idle poller looks for due checks (default 1000). */
    readonly idleMs: number;
    /**
     * HEALTH_POLLER_LEASE_MS: how long a claim holds (default: twice the longest check time limit
     * plus 5 s); a dead replica's claims come back after it.
     */
    readonly leaseMs: number | undefined;
    /** HEALTH_POLLER_FLUSH_MS: results are written in batches at least this often (default 50). */
    readonly flushMs: number;
    /** HEALTH_POLLER_BATCH: results written per transaction at most (default 200). */
    readonly batchSize: number;
  };
}

function providerLimits(raw: string | undefined): ReadonlyMap<string, number> {
  const limits = new Map<string, number>();
  if (raw === undefined) return limits;
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const match = /^([a-z0-9][a-z0-9._-]*)=(\d{1,5})$/.exec(entry);
    const limit = match === null ? NaN : Number(match[2]);
    if (match === null || limit < 1 || limit > 10_000) {
      throw new ConfigError(
        `HEALTH_POLLER_PROVIDER_LIMITS must be provider=limit pairs with limits from 1 to 10000, separated by commas (got '${entry}')`,
      );
    }
    limits.set(match[1] as string, limit);
  }
  return limits;
}

export function loadHealthConfig(env: Env): HealthConfig {
  const maxAgeDays = integer(env, 'HEALTH_HISTORY_MAX_AGE_DAYS', 8, 1, 3_650);
  return {
    offline: flag(env, 'INTEGRATIONS_OFFLINE', false),
    checkTimeoutMs: integer(env, 'CHECK_TIMEOUT_MS', 10_000, 100, 300_000),
    thresholds: { unhealthyAfter: integer(env, 'HEALTH_UNHEALTHY_AFTER', 3, 1, 1_000) },
    schedule: {
      maxBackoffMultiplier: integer(env, 'HEALTH_BACKOFF_MAX_MULTIPLIER', 8, 1, 1_024),
      maxBackoffSeconds: integer(env, 'HEALTH_BACKOFF_MAX_SECONDS', 3_600, 10, 7 * 86_400),
    },
    retention: {
      // 7 days of 5-minute checks (2,016), for the 7-day availability.
      maxEntries: integer(env, 'HEALTH_HISTORY_MAX_ENTRIES', 2_100, 1, 1_000_000),
      maxAgeSeconds: maxAgeDays * 86_400,
    },
    poller: {
      enabled: flag(env, 'HEALTH_POLLER_ENABLED', true),
      concurrency: integer(env, 'HEALTH_POLLER_CONCURRENCY', 50, 1, 1_000),
      providerConcurrency: integer(env, 'HEALTH_POLLER_PROVIDER_CONCURRENCY', 20, 1, 1_000),
      providerLimits: providerLimits(nonEmpty(env, 'HEALTH_POLLER_PROVIDER_LIMITS')),
      idleMs: integer(env, 'HEALTH_POLLER_IDLE_MS', 1_000, 10, 60_000),
      leaseMs:
        nonEmpty(env, 'HEALTH_POLLER_LEASE_MS') === undefined
          ? undefined
          : integer(env, 'HEALTH_POLLER_LEASE_MS', 0, 1_000, 3_600_000),
      flushMs: integer(env, 'HEALTH_POLLER_FLUSH_MS', 50, 1, 10_000),
      batchSize: integer(env, 'HEALTH_POLLER_BATCH', 200, 1, 1_000),
    },
  };
}
