import { format } from 'node:util';
import { Logger } from '@nestjs/common';
import type { DiagLogFunction } from '@opentelemetry/api';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './tracing.config';
import { DEFAULT_SERVICE_NAME } from './tracing.config';

/**
 * How long a shutdown waits for the last spans to reach the collector; an unreachable one must
 * not hold the process past its orchestrator's grace period.
 */
export const TRACING_SHUTDOWN_TIMEOUT_MS = 5_000;

/** The started SDK. */
export interface Tracing {
  /** Flushes the spans not yet exported and stops; never rejects (a failure is logged). */
  shutdown(): Promise<void>;
}

/**
 * The SDK's diagnostics (an export that failed, a bad variable) through the service's logger, at
 * warn and above: without a diag logger the SDK drops them, and a collector that refuses every
 * span would go unnoticed.
 */
function routeDiagnostics(logger: Logger): void {
  const at =
    (write: (message: string) => void): DiagLogFunction =>
    (message, ...args) =>
      write(format(message, ...args));
  const ignore: DiagLogFunction = () => undefined;
  diag.setLogger(
    {
      error: at((message) => logger.error(message)),
      warn: at((message) => logger.warn(message)),
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/**
 * Starts the OpenTelemetry SDK for traces: incoming and outgoing requests of Node's http module
 * become spans, exported over OTLP as the standard variables say (OTEL_EXPORTER_OTLP_*; the
 * protocol defaults to http/protobuf, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json or grpc
 * change it). Call it before the application's modules are loaded: the instrumentation patches
 * `http` as it is required.
 *
 * Traces only: the SDK would otherwise start an OTLP metrics exporter and an OTLP log exporter
 * from its defaults (and a second Prometheus server with OTEL_METRICS_EXPORTER=prometheus); the
 * service's metrics are its own `/metrics`, its logs its own lines.
 */
export function startTracing(config: TracingConfig): Tracing {
  const logger = new Logger('OpenTelemetry');
  // OTEL_LOG_LEVEL asks for the SDK's own console diagnostics, which the SDK then installs.
  if (!config.sdkLogLevelSet) routeDiagnostics(logger);
  const sdk = new NodeSDK({
    // The default name, under what the environment sets (OTEL_RESOURCE_ATTRIBUTES is merged over it).
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }),
    ),
    // Set explicitly as well, so that it holds with OTEL_NODE_RESOURCE_DETECTORS leaving out env.
    ...(config.serviceName === undefined ? {} : { serviceName: config.serviceName }),
    instrumentations: [new HttpInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), TRACING_SHUTDOWN_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([sdk.shutdown().then(() => 'done' as const), late]);
        if (outcome === 'late') {
          logger.warn(
            `the last spans were not exported within ${TRACING_SHUTDOWN_TIMEOUT_MS} ms; stopping without them`,
          );
        }
      } catch (error) {
        logger.warn(`the last spans could not be exported: ${String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
