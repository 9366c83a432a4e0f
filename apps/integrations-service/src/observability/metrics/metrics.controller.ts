import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../auth/public.decorator';
import { OtelMetrics, PROMETHEUS_CONTENT_TYPE } from './otel-metrics';

/**
 * `GET /metrics`: Prometheus text, on the service's own port and without a token (scrapers
 * carry none), like the probes. Not in the OpenAPI document: it is not part of the API.
 * A collection that fails answers 500 problem+json, so that the scrape fails (`up` 0) rather than
 * showing an empty page as if nothing had happened.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(OtelMetrics) private readonly metrics: OtelMetrics) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.scrape();
    void reply.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store');
    return text;
  }
}
