import type { HealthStatus } from '@stellaops/integrations-core';

/** One value of an observable gauge, with its labels. */
export interface GaugeReading {
  readonly value: number;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A gauge read at each scrape (e.g. from the database): the poller's and the outbox's lag. */
export interface GaugeSource {
  /** The Prometheus name, e.g. `integrations_poller_lag_seconds`. */
  readonly name: string;
  readonly description: string;
  /** UCUM unit, e.g. `s` or `{event}`. */
  readonly unit: string;
  /**
   * Called at each scrape (one call at a time: concurrent scrapes share it). A rejection, a
   * reading that is not a finite number, or no answer within METRICS_GAUGE_TIMEOUT_MS leaves this
   * gauge out of that scrape and is logged by the metrics module; it never fails the scrape.
   */
  read(): Promise<readonly GaugeReading[]>;
}

/**
 * The service's metrics, as the modules record them. The names and labels are the seed's:
 * - `integrations_health_check_total{provider,status}` — every health check (poller and on demand);
 * - `integrations_test_connection_duration_seconds{provider}` — every connection test;
 * - `scm_annotation_total{provider,operation,status}` and
 *   `scm_annotation_duration_seconds{provider,operation}` — every SCM operation.
 * Injected as a class token; the metrics module provides the OpenTelemetry implementation.
 */
export abstract class Metrics {
  /** `status` is the check's result status (healthy, degraded, unhealthy, unknown). */
  abstract recordHealthCheck(provider: string, status: HealthStatus): void;
  abstract recordTestConnection(provider: string, seconds: number): void;
  /** `status`: `success`, `failure` or `skipped` (offline). */
  abstract recordScmAnnotation(
    provider: string,
    operation: string,
    status: string,
    seconds: number,
  ): void;
  /**
   * Adds a gauge read at every scrape. Throws on a name that is not a Prometheus metric name or
   * is already taken: two sources cannot share one family.
   */
  abstract registerGauge(source: GaugeSource): void;
}
