import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem/problem-details';
import type { ReadinessReport } from '../readiness/readiness-checks';
import { ReadinessChecks } from '../readiness/readiness-checks';

const CHECK_TIMEOUT_MS = 1_000;

type CheckStatus = Readonly<Record<string, unknown>> & { readonly status: 'up' | 'down' };

async function bounded(
  run: (timeoutMs: number) => Promise<ReadinessReport>,
): Promise<ReadinessReport> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ReadinessReport>((resolve) => {
    timer = setTimeout(
      () => resolve({ up: false, message: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
      CHECK_TIMEOUT_MS + 250,
    );
  });
  try {
    return await Promise.race([
      run(CHECK_TIMEOUT_MS).catch((error: unknown): ReadinessReport => ({
        up: false,
        message: error instanceof Error ? error.message : String(error),
      })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Probes for orchestrators. Liveness says only that the process serves requests; readiness runs
 * every module's readiness check (the database, the broker when one is configured), and recovers
 * by itself once they answer again.
 */
@ApiExcludeController()
@Public()
@Controller('health')
export class ProbesController {
  constructor(@Inject(ReadinessChecks) private readonly checks: ReadinessChecks) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    const checks = this.checks.list();
    const reports = await Promise.all(checks.map((check) => bounded((t) => check.check(t))));
    const details: Record<string, CheckStatus> = {};
    const down: string[] = [];
    checks.forEach((check, index) => {
      const report = reports[index] as ReadinessReport;
      details[check.name] = {
        status: report.up ? 'up' : 'down',
        ...report.details,
        ...(report.message === undefined ? {} : { message: report.message }),
      };
      if (!report.up) down.push(check.name);
    });
    if (down.length === 0) return { status: 'ok', checks: details };
    void reply.status(503).header('content-type', PROBLEM_CONTENT_TYPE);
    return {
      ...problem(
        503,
        'not-ready',
        `not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} unavailable`,
      ),
      checks: details,
    };
  }
}
