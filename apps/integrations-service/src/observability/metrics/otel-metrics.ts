import { Injectable } from '@nestjs/common';
import type { HealthStatus } from '@stellaops/integrations-core';
import type { GaugeSource } from './metrics';
import { Metrics } from './metrics';

// Placeholder until the OpenTelemetry implementation lands: records nothing.
@Injectable()
export class OtelMetrics extends Metrics {
  recordHealthCheck(_provider: string, _status: HealthStatus): void {}
  recordTestConnection(_provider: string, _seconds: number): void {}
  recordScmAnnotation(_p: string, _o: string, _s: string, _seconds: number): void {}
  registerGauge(_source: GaugeSource): void {}
}
