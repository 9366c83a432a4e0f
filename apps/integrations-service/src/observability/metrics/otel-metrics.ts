import type { OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { HealthStatus } from '@stellaops/integrations-core';
import { GaugeSources } from './gauge-sources';
import { httpRequestMethod } from './http-request-method';
import type { MetricDefinition } from './metric-definitions';
import {
  HEALTH_CHECKS,
  HTTP_SERVER_REQUEST_DURATION,
  METRIC_DEFINITIONS,
  SCM_ANNOTATION_DURATION,
  SCM_ANNOTATIONS,
  TEST_CONNECTION_DURATION,
  prometheusName,
} from './metric-definitions';
import type { GaugeSource } from './metrics';
import { Metrics } from './metrics';
import type { MetricsConfig } from './metrics.config';
import { METRICS_CONFIG } from './metrics.module-definition';

/**
 * What `/metrics` answers with: the exporter's own `text/plain` (the Prometheus text format),
 * with the charset Fastify would add to it anyway.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; charset=utf-8';

/**
 * The exporter's options: no server of its own (the service's port serves `/metrics`), no
 * `otel_scope_*` labels and no `target_info` family, so that the seed's metrics carry exactly
 * the seed's labels.
 */
const EXPORTER_OPTIONS = {
  preventServerStart: true,
  withoutScopeInfo: true,
  withoutTargetInfo: true,
} as const;

const SCOPE = { name: 'stellaops-integrations' } as const;

/** One HTTP request the service answered. */
export interface HttpServerRequest {
  readonly method: string;
  /** The route template (`/api/v1/integrations/:id`); undefined when no route matched. */
  readonly route: string | undefined;
  readonly statusCode: number;
  readonly seconds: number;
}

/** The SDK's pieces when metrics are on. */
interface Pipeline {
  readonly provider: MeterProvider;
  readonly exporter: PrometheusExporter;
  readonly serializer: PrometheusSerializer;
  readonly gauges: GaugeSources;
  readonly healthChecks: Counter;
  readonly testConnectionDuration: Histogram;
  readonly scmAnnotations: Counter;
  readonly scmAnnotationDuration: Histogram;
  readonly httpServerRequestDuration: Histogram;
}

function histogram(meter: Meter, definition: MetricDefinition): Histogram {
  return meter.createHistogram(definition.name, {
    description: definition.description,
    unit: definition.unit,
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [...(definition.buckets ?? [])] },
  });
}

function counter(meter: Meter, definition: MetricDefinition): Counter {
  return meter.createCounter(definition.name, {
    description: definition.description,
    unit: definition.unit,
    valueType: ValueType.INT,
  });
}

/**
 * A family with no series yet: written as its HELP and TYPE lines, so that a dashboard or an
 * alert sees from the first scrape which metrics this service has (the SDK exports an
 * instrument only once it has recorded something).
 */
function emptyFamily(definition: MetricDefinition): MetricData {
  const descriptor = {
    name: definition.name,
    description: definition.description,
    unit: definition.unit,
    valueType: definition.kind === 'counter' ? ValueType.INT : ValueType.DOUBLE,
  };
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  return definition.kind === 'counter'
    ? {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [],
      }
    : {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [],
      };
}

/**
 * The service's metrics on the OpenTelemetry SDK, exported in the Prometheus text format: a
 * MeterProvider of its own (not the global one, so that no library's instruments appear in
 * `/metrics` unasked) read by the Prometheus exporter, the registered gauges beside it.
 * With METRICS_ENABLED=false no SDK object is made and every call records nothing.
 */
@Injectable()
export class OtelMetrics extends Metrics implements OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly pipeline: Pipeline | undefined;

  constructor(@Inject(METRICS_CONFIG) config: MetricsConfig) {
    super();
    if (!config.enabled) return;
    const gauges = new GaugeSources(
      new Set(METRIC_DEFINITIONS.map(prometheusName)),
      config.gaugeTimeoutMs,
      this.logger,
    );
    const exporter = new PrometheusExporter({ ...EXPORTER_OPTIONS, metricProducers: [gauges] });
    const provider = new MeterProvider({ readers: [exporter] });
    const meter = provider.getMeter(SCOPE.name);
    this.pipeline = {
      provider,
      exporter,
      serializer: new PrometheusSerializer(
        undefined,
        false,
        undefined,
        EXPORTER_OPTIONS.withoutTargetInfo,
        EXPORTER_OPTIONS.withoutScopeInfo,
      ),
      gauges,
      healthChecks: counter(meter, HEALTH_CHECKS),
      testConnectionDuration: histogram(meter, TEST_CONNECTION_DURATION),
      scmAnnotations: counter(meter, SCM_ANNOTATIONS),
      scmAnnotationDuration: histogram(meter, SCM_ANNOTATION_DURATION),
      httpServerRequestDuration: histogram(meter, HTTP_SERVER_REQUEST_DURATION),
    };
  }

  get enabled(): boolean {
    return this.pipeline !== undefined;
  }

  recordHealthCheck(provider: string, status: HealthStatus): void {
    this.pipeline?.healthChecks.add(1, { provider, status });
  }

  recordTestConnection(provider: string, seconds: number): void {
    if (this.pipeline === undefined || !this.isDuration(TEST_CONNECTION_DURATION, seconds)) return;
    this.pipeline.testConnectionDuration.record(seconds, { provider });
  }

  recordScmAnnotation(provider: string, operation: string, status: string, seconds: number): void {
    if (this.pipeline === undefined) return;
    this.pipeline.scmAnnotations.add(1, { provider, operation, status });
    if (!this.isDuration(SCM_ANNOTATION_DURATION, seconds)) return;
    this.pipeline.scmAnnotationDuration.record(seconds, { provider, operation });
  }

  registerGauge(source: GaugeSource): void {
    this.pipeline?.gauges.add(source);
  }

  /** Records one answered request: `http.server.request.duration` (its count is the requests'). */
  recordHttpServerRequest(request: HttpServerRequest): void {
    if (this.pipeline === undefined) return;
    if (!this.isDuration(HTTP_SERVER_REQUEST_DURATION, request.seconds)) return;
    const [method, route, statusCode] = HTTP_SERVER_REQUEST_DURATION.labels as [
      string,
      string,
      string,
    ];
    const attributes: Attributes = {
      [method]: httpRequestMethod(request.method),
      [statusCode]: request.statusCode,
    };
    if (request.route !== undefined) attributes[route] = request.route;
    this.pipeline.httpServerRequestDuration.record(request.seconds, attributes);
  }

  /**
   * Every metric in the Prometheus text format, the registered gauges read now. Throws when
   * metrics are off or the provider has been shut down.
   */
  async scrape(): Promise<string> {
    if (this.pipeline === undefined) {
      throw new Error('metrics are disabled (METRICS_ENABLED=false)');
    }
    const { resourceMetrics, errors } = await this.pipeline.exporter.collect();
    for (const error of errors) {
      this.logger.error(
        `a metric could not be collected: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return this.pipeline.serializer.serialize(withEveryFamily(resourceMetrics));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline?.provider.shutdown();
  }

  /** A duration the caller got wrong is a bug to hear about, not a sample to keep or to drop quietly. */
  private isDuration(definition: MetricDefinition, seconds: number): boolean {
    if (Number.isFinite(seconds) && seconds >= 0) return true;
    this.logger.warn(`${definition.name}: ${String(seconds)} is not a duration; not recorded`);
    return false;
  }
}

/** The collected metrics, with an empty family for every instrument that has recorded nothing. */
function withEveryFamily(resourceMetrics: ResourceMetrics): ResourceMetrics {
  const present = new Set(
    resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name)),
  );
  const missing = METRIC_DEFINITIONS.filter((definition) => !present.has(definition.name));
  if (missing.length === 0) return resourceMetrics;
  return {
    ...resourceMetrics,
    scopeMetrics: [
      ...resourceMetrics.scopeMetrics,
      { scope: SCOPE, metrics: missing.map(emptyFamily) },
    ],
  };
}
