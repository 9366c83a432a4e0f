import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { HttpServerTelemetry } from './http-server-telemetry';
import { Metrics } from './metrics';
import type { MetricsConfig } from './metrics.config';
import { MetricsController } from './metrics.controller';
import { MetricsConfigurableModule } from './metrics.module-definition';
import { OtelMetrics } from './otel-metrics';

/**
 * The service's metrics (OpenTelemetry, exported at `/metrics` in Prometheus text) and the
 * HTTP server's telemetry hooks (request metrics, the route on trace spans).
 * `/metrics` is routed only when metrics are enabled; otherwise it is an unknown path (404
 * problem+json) and every recording is a no-op. `forRoot` decides that from the configuration it
 * is given, which is why this module is built with `forRoot` (its async form would leave the route
 * out).
 */
@Global()
@Module({
  providers: [OtelMetrics, { provide: Metrics, useExisting: OtelMetrics }, HttpServerTelemetry],
  exports: [Metrics],
})
export class MetricsModule extends MetricsConfigurableModule {
  static override forRoot(config: MetricsConfig): DynamicModule {
    const module = super.forRoot(config);
    return config.enabled ? { ...module, controllers: [MetricsController] } : module;
  }
}
