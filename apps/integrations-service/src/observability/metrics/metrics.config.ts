import type { Env } from '../../config/env-values';
import { flag } from '../../config/env-values';

/** The metrics module's slice of the configuration. */
export interface MetricsConfig {
  /** METRICS_ENABLED (default true): serve `/metrics`. */
  readonly enabled: boolean;
}

export function loadMetricsConfig(env: Env): MetricsConfig {
  return { enabled: flag(env, 'METRICS_ENABLED', true) };
}
