import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem/problem-details';
import { DatabaseHealthIndicator } from './database.health-indicator';

const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * Probes for orchestrators. Liveness says only that the process serves requests; readiness says
 * whether it can do its work, and recovers by itself once the database answers again.
 */
@ApiExcludeController()
@Public()
@Controller('health')
export class ProbesController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthCheckResult | object> {
    try {
      return await this.health.check([
        () => this.database.check('database', DATABASE_PING_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const checks = error.getResponse() as HealthCheckResult;
      const down = Object.keys(checks.error ?? {}).join(', ');
      void reply.status(503).header('content-type', PROBLEM_CONTENT_TYPE);
      return {
        ...problem(503, 'not-ready', `not ready: ${down || 'a dependency'} is unavailable`),
        checks: checks.details,
      };
    }
  }
}
