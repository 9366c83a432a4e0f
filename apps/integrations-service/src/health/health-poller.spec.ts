import { Logger } from '@nestjs/common';
import type { CheckResult, Integration, LifecycleEvent } from '@stellaops/integrations-core';
import type {
  AcceptedPoll,
  ClaimDueRequest,
  ClaimedCheck,
  PolledResult,
} from '@stellaops/integrations-persistence';
import { anIntegration } from '@stellaops/integrations-testing';
import type { Metrics } from '../observability/metrics/metrics';
import type { PluginRegistry } from '../plugins/plugin-registry';
import type { CheckRunner } from './check-runner';
import type { HealthConfig } from './health.config';
import { loadHealthConfig } from './health.config';
import type { PollerDatabase } from './health-poller';
import { HealthPoller, POLLER_SUBJECT, defaultLeaseMs } from './health-poller';
import { until } from '../testing/until';

const plugins = [
  { type: 'scm', provider: 'in-memory', manifest: {} },
  { type: 'registry', provider: 'harbor', manifest: { checkTimeoutMs: 20_000 } },
];

function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    success: true,
    status: 'healthy',
    message: 'ok',
    durationMs: 1,
    checkedAt: new Date().toISOString(),
    isTransient: false,
    phase: null,
    details: {},
    ...overrides,
  };
}

/** A due row store: claims hand out what is due, in order, up to each plugin's limit. */
class FakeSchedule {
  readonly claims: ClaimDueRequest[] = [];
  readonly written: PolledResult[][] = [];
  readonly events: LifecycleEvent[][] = [];
  readonly released: { integrationId: string; leaseToken: string }[] = [];
  discard = new Set<string>();
  failClaims = 0;
  lagReads = 0;
  private token = 0;

  constructor(public due: Integration[]) {}

  database(): PollerDatabase {
    const polls = {
      claimDue: async (request: ClaimDueRequest): Promise<ClaimedCheck[]> => {
        this.claims.push(request);
        if (this.failClaims > 0) {
          this.failClaims--;
          throw new Error('connection refused');
        }
        const taken: ClaimedCheck[] = [];
        for (const plugin of request.plugins) {
          const mine = this.due.filter(
            (row) => row.type === plugin.type && row.provider === plugin.provider,
          );
          for (const row of mine.slice(0, plugin.limit)) {
            if (taken.length >= request.limit) break;
            taken.push({
              integration: row,
              leaseToken: String(++this.token),
              dueAt: new Date(Date.now() - 1_000).toISOString(),
              leaseUntil: new Date(Date.now() + request.leaseMs).toISOString(),
            });
          }
        }
        const ids = new Set(taken.map((claim) => claim.integration.id));
        this.due = this.due.filter((row) => !ids.has(row.id));
        return taken;
      },
      recordPolled: async (results: readonly PolledResult[]) => {
        this.written.push([...results]);
        const accepted: AcceptedPoll[] = results
          .filter((input) => !this.discard.has(input.integrationId))
          .map((input) => ({
            input,
            previousHealth: 'healthy',
            integration: anIntegration({ id: input.integrationId, health: input.health }),
          }));
        return {
          accepted,
          discarded: results
            .filter((input) => this.discard.has(input.integrationId))
            .map((input) => input.integrationId),
        };
      },
      release: async (claims: readonly { integrationId: string; leaseToken: string }[]) => {
        this.released.push(...claims);
      },
      lag: async () => {
        this.lagReads++;
        return { overdue: this.due.length, oldestOverdueSeconds: 0 };
      },
    };
    const events = {
      appendMany: async (batch: readonly LifecycleEvent[]) => {
        this.events.push([...batch]);
        return [];
      },
    };
    return {
      polls,
      leases: {
        acquire: async () => null,
        renew: async () => null,
        release: async () => undefined,
      },
      healthHistory: { prune: async () => 0 },
      transaction: async (fn: (uow: unknown) => Promise<unknown>) => fn({ polls, events }),
    } as unknown as PollerDatabase;
  }
}

function poller(
  schedule: FakeSchedule,
  run: (integration: Integration, signal: AbortSignal) => Promise<CheckResult>,
  overrides: Partial<HealthConfig['poller']> = {},
) {
  const base = loadHealthConfig({});
  const config: HealthConfig = {
    ...base,
    poller: { ...base.poller, idleMs: 20, flushMs: 5, ...overrides },
  };
  const registry = {
    list: () => plugins,
    get: (type: string, provider: string) =>
      plugins.find((plugin) => plugin.type === type && plugin.provider === provider),
  } as unknown as PluginRegistry;
  const actors: string[] = [];
  const runner = {
    runSaved: (
      _plugin: unknown,
      operation: string,
      integration: Integration,
      actor: { subject: string },
      signal: AbortSignal,
    ) => {
      expect(operation).toBe('checkHealth');
      actors.push(actor.subject);
      return run(integration, signal);
    },
  } as unknown as CheckRunner;
  const metrics = { registerGauge: jest.fn() } as unknown as Metrics;
  return {
    poller: new HealthPoller(schedule.database(), registry, runner, metrics, config),
    actors,
    metrics,
  };
}

function rows(count: number, provider = 'in-memory', type = 'scm'): Integration[] {
  return Array.from({ length: count }, () =>
    anIntegration({
      id: crypto.randomUUID(),
      type: type as Integration['type'],
      provider: provider as Integration['provider'],
      healthCheckIntervalSeconds: 60,
      consecutiveFailures: 0,
    }),
  );
}

describe('HealthPoller', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('checks every due row once, as the poller, and writes the results in batches', async () => {
    const schedule = new FakeSchedule(rows(120));
    const { poller: p, actors } = poller(schedule, async () => result(), {
      concurrency: 50,
      providerConcurrency: 50,
      batchSize: 40,
    });
    p.onApplicationBootstrap();
    await until(() => schedule.written.flat().length === 120, 5_000, 'the poller', 5);
    await p.onApplicationShutdown();
    const ids = schedule.written.flat().map((written) => written.integrationId);
    expect(new Set(ids).size).toBe(120);
    expect(actors.every((actor) => actor === POLLER_SUBJECT)).toBe(true);
    expect(Math.max(...schedule.written.map((batch) => batch.length))).toBeLessThanOrEqual(40);
    // No claim asked for more than the slots and a quarter claimed ahead (50 + 13).
    expect(schedule.claims.every((claim) => claim.limit <= 63)).toBe(true);
  });

  it('never runs more than the replica and provider limits at once', async () => {
    const schedule = new FakeSchedule([...rows(30), ...rows(30, 'harbor', 'registry')]);
    let running = 0;
    let peak = 0;
    const perProvider = new Map<string, number>();
    let peakInMemory = 0;
    const { poller: p } = poller(
      schedule,
      async (integration) => {
        running++;
        peak = Math.max(peak, running);
        perProvider.set(integration.provider, (perProvider.get(integration.provider) ?? 0) + 1);
        peakInMemory = Math.max(peakInMemory, perProvider.get('in-memory') ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 10));
        perProvider.set(integration.provider, (perProvider.get(integration.provider) ?? 1) - 1);
        running--;
        return result();
      },
      { concurrency: 12, providerConcurrency: 8, providerLimits: new Map([['in-memory', 3]]) },
    );
    p.onApplicationBootstrap();
    await until(() => schedule.written.flat().length === 60, 5_000, 'the poller', 5);
    await p.onApplicationShutdown();
    expect(peak).toBeLessThanOrEqual(12);
    expect(peakInMemory).toBeLessThanOrEqual(3);
    expect(peakInMemory).toBeGreaterThan(0);
  });

  it('applies the status model and anchors the next check to the due time', async () => {
    const [row] = rows(1);
    const schedule = new FakeSchedule([{ ...(row as Integration), consecutiveFailures: 2 }]);
    const { poller: p } = poller(schedule, async () =>
      result({ success: false, status: 'unhealthy', isTransient: true }),
    );
    p.onApplicationBootstrap();
    await until(() => schedule.written.length === 1, 5_000, 'the poller', 5);
    await p.onApplicationShutdown();
    const [written] = schedule.written[0] as PolledResult[];
    expect(written).toMatchObject({ health: 'unhealthy', consecutiveFailures: 3, leaseToken: '1' });
    // Third failure: the gap is 4 intervals (60 s × 2²), from the due time (a second ago).
    const gap = Date.parse(written?.nextCheckAt ?? '') - Date.now();
    expect(gap).toBeGreaterThan(4 * 60_000 - 2_000);
    expect(gap).toBeLessThanOrEqual(4 * 60_000);
  });

  it('writes a health-changed event only for accepted results that changed the health', async () => {
    const changed = rows(1)[0] as Integration;
    const same = rows(1)[0] as Integration;
    const late = rows(1)[0] as Integration;
    const schedule = new FakeSchedule([changed, same, late]);
    schedule.discard.add(late.id);
    const { poller: p } = poller(schedule, async (integration) =>
      integration.id === changed.id
        ? result({ success: false, status: 'unhealthy', isTransient: false })
        : result(),
    );
    p.onApplicationBootstrap();
    await until(() => schedule.written.flat().length === 3, 5_000, 'the poller', 5);
    await p.onApplicationShutdown();
    const events = schedule.events.flat();
    expect(events.map((event) => [event.type, event.integrationId])).toEqual([
      ['integration.health-changed', changed.id],
    ]);
    expect(events[0]?.payload).toMatchObject({ previous: 'healthy', current: 'unhealthy' });
  });

  it('backs off while claims fail, and carries on once they succeed', async () => {
    const schedule = new FakeSchedule(rows(3));
    schedule.failClaims = 1;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { poller: p } = poller(schedule, async () => result());
    p.onApplicationBootstrap();
    await until(() => schedule.written.flat().length === 3, 5_000);
    await p.onApplicationShutdown();
    expect(warn.mock.calls.some(([line]) => String(line).includes('connection refused'))).toBe(
      true,
    );
  });

  it('at shutdown records nothing of the checks it cut short and gives their rows back', async () => {
    const schedule = new FakeSchedule(rows(4));
    const { poller: p } = poller(
      schedule,
      (_integration, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve(result({ status: 'unknown' })));
        }),
    );
    p.onApplicationBootstrap();
    await until(() => p.inFlight === 4, 5_000, 'the poller', 5);
    await p.onApplicationShutdown();
    expect(schedule.written.flat()).toEqual([]);
    expect(schedule.released.map((claim) => claim.leaseToken).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('holds a quarter more claims ahead, waiting for a slot, and gives those back at shutdown too', async () => {
    const schedule = new FakeSchedule(rows(10));
    const { poller: p } = poller(
      schedule,
      (_integration, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve(result({ status: 'unknown' })));
        }),
      { concurrency: 4 },
    );
    p.onApplicationBootstrap();
    // Four slots and one claimed ahead (a quarter of four): five rows held, four running.
    await until(() => p.inFlight === 4 && schedule.due.length === 5, 5_000, 'the poller', 5);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(p.inFlight).toBe(4);
    expect(schedule.due).toHaveLength(5);
    await p.onApplicationShutdown();
    expect(schedule.written.flat()).toEqual([]);
    expect(schedule.released).toHaveLength(5);
  });

  it('reads both lag gauges of a scrape from one lag()', async () => {
    const schedule = new FakeSchedule(rows(3));
    const { metrics } = poller(schedule, async () => result());
    const gauges = (metrics.registerGauge as jest.Mock).mock.calls.map(
      ([gauge]) => gauge as { read(): Promise<{ value: number }[]> },
    );
    const readings = await Promise.all(gauges.map((gauge) => gauge.read()));
    expect(readings.map(([reading]) => reading?.value)).toEqual([0, 3]);
    expect(schedule.lagReads).toBe(1);
  });

  it('registers the lag gauges and refuses a lease no longer than a check', () => {
    const schedule = new FakeSchedule([]);
    const { metrics } = poller(schedule, async () => result());
    expect((metrics.registerGauge as jest.Mock).mock.calls.map(([gauge]) => gauge.name)).toEqual([
      'integrations_poller_lag_seconds',
      'integrations_poller_overdue',
    ]);
    // The harbor plugin's own limit (20 s) is the longest.
    const short = poller(schedule, async () => result(), { leaseMs: 20_500 }).poller;
    expect(() => short.onApplicationBootstrap()).toThrow(
      /HEALTH_POLLER_LEASE_MS \(20500\) must exceed the longest check time limit \(20000 ms\)/,
    );
    expect(defaultLeaseMs(loadHealthConfig({}))).toBe(27_000);
    expect(defaultLeaseMs(loadHealthConfig({}), 20_000)).toBe(47_000);
  });
});
