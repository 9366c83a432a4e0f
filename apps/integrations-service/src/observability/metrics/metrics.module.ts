import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { MetricsConfigurableModule } from './metrics.module-definition';
import { OtelMetrics } from './otel-metrics';

/** The service's metrics (OpenTelemetry, exported at `/metrics` in Prometheus text). */
@Global()
@Module({
  providers: [{ provide: Metrics, useClass: OtelMetrics }],
  exports: [Metrics],
})
export class MetricsModule extends MetricsConfigurableModule {}
