import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Database } from '@stellaops/integrations-persistence';

/** The catalog's database answers a trivial query in time. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(Database) private readonly database: Database,
  ) {}

  async check(key: string, timeoutMs: number) {
    const indicator = this.indicators.check(key);
    const started = performance.now();
    const up = await this.database.ping(timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    return up
      ? indicator.up({ kind: this.database.kind, latencyMs })
      : indicator.down({ kind: this.database.kind, message: `no answer within ${timeoutMs} ms` });
  }
}
