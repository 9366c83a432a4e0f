import type { Database } from '@stellaops/integrations-persistence';
import type { ReadinessCheck } from '../readiness/readiness-checks';

/** The catalog's database answers a trivial query in time. */
export function databaseReadiness(database: Database): ReadinessCheck {
  return {
    name: 'database',
    async check(timeoutMs) {
      const started = performance.now();
      const up = await database.ping(timeoutMs);
      const latencyMs = Math.round(performance.now() - started);
      return up
        ? { up, details: { kind: database.kind, latencyMs } }
        : { up, details: { kind: database.kind }, message: `no answer within ${timeoutMs} ms` };
    },
  };
}
