import type { Env } from '../../config/env-values';
import { flag, integer } from '../../config/env-values';

/** The metrics module's slice of the configuration. */
export interface MetricsConfig {
  /** METRICS_ENABLED (default true): serve `/metrics` and record; off, both are gone. */
  readonly enabled: boolean;
  /**
   * METRICS_GAUGE_TIMEOUT_MS (default 2000): how long a scrape waits for one gauge's reading
   * (a database query, say) before it leaves that gauge out, so that a slow source cannot make
   * Prometheus' scrape time out and lose every other metric with it.
   */
  readonly gaugeTimeoutMs: number;
}

export function loadMetricsConfig(env: Env): MetricsConfig {
  return {
    enabled: flag(env, 'METRICS_ENABLED', true),
    gaugeTimeoutMs: integer(env, 'METRICS_GAUGE_TIMEOUT_MS', 2_000, 10, 60_000),
  };
}
