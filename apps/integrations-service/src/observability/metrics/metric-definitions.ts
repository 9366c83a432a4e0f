import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';

/** An instrument the service records, as the Prometheus exporter will name and describe it. */
export interface MetricDefinition {
  /**
   * The instrument's name. The exporter turns characters Prometheus does not allow (the dots
   * of OpenTelemetry names) into `_`, appends `_total` to a counter not already ending in it, and
   * appends no unit: the seed's names are given exactly as they are scraped.
   */
  readonly name: string;
  readonly kind: 'counter' | 'histogram';
  readonly description: string;
  /** UCUM; the exporter writes it as a `# UNIT` comment, never into the name. */
  readonly unit: string;
  /**
   * The attributes (Prometheus labels) a recording carries, and no others (the route is left out
   * of a request that matched none, as semantic conventions say).
   */
  readonly labels: readonly string[];
  /** Histograms: the upper bounds of the buckets, in `unit`. */
  readonly buckets?: readonly number[];
}

/**
 * A check or an SCM call: from a few milliseconds against a local fake to the longest time
 * limit a check may have (CHECK_TIMEOUT_MS allows up to 300 s).
 */
const OPERATION_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

/** The bounds semantic conventions advise for `http.server.request.duration`. */
const HTTP_SERVER_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** `integrations_health_check_total{provider,status}`: every health check, poller and on demand. */
export const HEALTH_CHECKS: MetricDefinition = {
  name: 'integrations_health_check_total',
  kind: 'counter',
  description: 'Health checks run, by provider and by the status they found.',
  unit: '',
  labels: ['provider', 'status'],
};

/** `integrations_test_connection_duration_seconds{provider}`: every connection test. */
export const TEST_CONNECTION_DURATION: MetricDefinition = {
  name: 'integrations_test_connection_duration_seconds',
  kind: 'histogram',
  description: 'How long connection tests took, by provider.',
  unit: 's',
  labels: ['provider'],
  buckets: OPERATION_SECONDS,
};

/** `scm_annotation_total{provider,operation,status}`: every SCM operation. */
export const SCM_ANNOTATIONS: MetricDefinition = {
  name: 'scm_annotation_total',
  kind: 'counter',
  description:
    'SCM operations (comments, statuses, check runs), by provider, operation and outcome.',
  unit: '',
  labels: ['provider', 'operation', 'status'],
};

/** `scm_annotation_duration_seconds{provider,operation}`: every SCM operation. */
export const SCM_ANNOTATION_DURATION: MetricDefinition = {
  name: 'scm_annotation_duration_seconds',
  kind: 'histogram',
  description: 'How long SCM operations took, by provider and operation.',
  unit: 's',
  labels: ['provider', 'operation'],
  buckets: OPERATION_SECONDS,
};

/**
 * The semantic conventions' `http.server.request.duration`, scraped as
 * `http_server_request_duration` (its `_count` is the number of requests): every request the
 * service answered, by method, route template and status code.
 */
export const HTTP_SERVER_REQUEST_DURATION: MetricDefinition = {
  name: METRIC_HTTP_SERVER_REQUEST_DURATION,
  kind: 'histogram',
  description: 'How long the service took to answer HTTP requests.',
  unit: 's',
  labels: [ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE],
  buckets: HTTP_SERVER_SECONDS,
};

/** Every instrument the service records; each is exposed (HELP and TYPE) from the first scrape. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  HEALTH_CHECKS,
  TEST_CONNECTION_DURATION,
  SCM_ANNOTATIONS,
  SCM_ANNOTATION_DURATION,
  HTTP_SERVER_REQUEST_DURATION,
];

/** The family name the Prometheus exporter gives `definition` (our names need only the dots replaced). */
export function prometheusName(definition: MetricDefinition): string {
  return definition.name.replace(/[^a-zA-Z0-9_]/g, '_');
}
