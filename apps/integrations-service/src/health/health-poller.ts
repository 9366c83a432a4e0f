import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CheckResult, LifecycleEvent } from '@stellaops/integrations-core';
import type {
  ClaimedCheck,
  Database,
  PolledResult,
  PollerLag,
} from '@stellaops/integrations-persistence';
import { Database as DatabaseToken } from '@stellaops/integrations-persistence';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { LifecycleEvents } from '../catalog/lifecycle-events';
import { Metrics } from '../observability/metrics/metrics';
import { PluginRegistry } from '../plugins/plugin-registry';
import type { CheckActor } from './check-runner';
import { CheckRunner, GUARD_GRACE_MS, checkTimeoutOf } from './check-runner';
import { historyFieldsOf, verdictAfterCheck } from './check-outcome';
import type { HealthConfig } from './health.config';
import { HEALTH_CONFIG } from './health.module-definition';

/** Who the poller's secret resolutions are audited for. */
export const POLLER_SUBJECT = 'system:health-poller';

export type PollerDatabase = Pick<Database, 'polls' | 'transaction' | 'healthHistory' | 'leases'>;

const RETENTION_LEASE = 'health-history-retention';
const RETENTION_EVERY_MS = 10 * 60_000;
const RETENTION_BATCH = 5_000;
const MAX_ERROR_BACKOFF_MS = 30_000;
/** How long one lag() answer serves the gauges (the two of a scrape read it together). */
const LAG_READING_SHARED_MS = 1_000;

function pluginKey(type: string, provider: string): string {
  return `${type}/${provider}`;
}

/**
 * How long a claim holds unless configured: longer than any check can take (the longest time
 * limit of the loaded plugins and the guard's grace), twice over, plus the time to write the
 * result.
 */
export function defaultLeaseMs(
  config: HealthConfig,
  longestCheckMs = config.checkTimeoutMs,
): number {
  return 2 * (longestCheckMs + GUARD_GRACE_MS) + 5_000;
}

/**
 * The health poller. The schedule lives in the registrations' rows (`next_check_at`), so any
 * number of replicas share it: each claims due rows in batches under a lease with a fencing token
 * (`FOR UPDATE SKIP LOCKED`: two replicas never claim one row), runs the checks with bounded
 * concurrency (per replica and per provider), and writes the results in batches, each under its
 * claim's token: a result whose lease expired (the replica stalled; another has claimed the row
 * since) is discarded by the database, never recorded over a newer one. A replica that dies
 * leaves its claims to expire; they come back to whoever polls next. A replica claims only the
 * providers it has a plugin for. Checks run as the poller (`system:health-poller`) through the
 * same runner as the API's, so the status model, timeouts, offline mode, metrics and logs are
 * the same.
 */
@Injectable()
export class HealthPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  /** This replica's id in `lease_owner`. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  private readonly logger = new Logger('HealthPoller');
  /** The integrations whose checks are running in this replica. */
  private readonly running = new Set<string>();
  /**
   * Claimed ahead, waiting for a slot: claiming again once a quarter of the slots are free (not
   * for every finished check, which would cost a statement per check) would otherwise leave
   * those slots empty for the claim's round trip.
   */
  private readonly queued: ClaimedCheck[] = [];
  /** Claims held (running or queued) per (type, provider). */
  private readonly heldPerPlugin = new Map<string, number>();
  /** Checks running per (type, provider): at most the provider's limit. */
  private readonly runningPerPlugin = new Map<string, number>();
  private readonly results: PolledResult[] = [];
  private readonly tasks = new Set<Promise<void>>();
  /** Claims whose checks were cut short by shutdown: given back rather than left to expire. */
  private readonly abandoned: ClaimedCheck[] = [];
  private readonly stop = new AbortController();
  private readonly actorFor = (tenantId: string): CheckActor => ({
    tenantId,
    subject: POLLER_SUBJECT,
  });
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private lastRetentionAt = 0;
  private leaseMs = 0;

  constructor(
    @Inject(DatabaseToken) private readonly database: PollerDatabase,
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
    @Inject(CheckRunner) private readonly runner: CheckRunner,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {
    // Both gauges come from one statement: a scrape reads them together, and shares one lag().
    let lag: Promise<PollerLag> | undefined;
    const readLag = (): Promise<PollerLag> => {
      lag ??= this.database.polls.lag().finally(() => {
        setTimeout(() => (lag = undefined), LAG_READING_SHARED_MS).unref();
      });
      return lag;
    };
    metrics.registerGauge({
      name: 'integrations_poller_lag_seconds',
      description: 'How long the oldest overdue health check has been due (0 when none is).',
      unit: 's',
      read: async () => [{ value: (await readLag()).oldestOverdueSeconds }],
    });
    metrics.registerGauge({
      name: 'integrations_poller_overdue',
      description: 'Health checks that are due and not claimed by any replica.',
      unit: '{check}',
      read: async () => [{ value: (await readLag()).overdue }],
    });
  }

  /**
   * Starts polling once the plugins are loaded (their time limits bound the lease).
   * @throws Error when HEALTH_POLLER_LEASE_MS is not longer than the longest check
   */
  onApplicationBootstrap(): void {
    if (!this.config.poller.enabled) {
      this.logger.log('the health poller is off (HEALTH_POLLER_ENABLED=false)');
      return;
    }
    const longest = Math.max(
      this.config.checkTimeoutMs,
      ...this.plugins.list().map((plugin) => checkTimeoutOf(plugin, this.config)),
    );
    this.leaseMs = this.config.poller.leaseMs ?? defaultLeaseMs(this.config, longest);
    if (this.leaseMs <= longest + GUARD_GRACE_MS + this.config.poller.flushMs) {
      throw new Error(
        `HEALTH_POLLER_LEASE_MS (${this.leaseMs}) must exceed the longest check time limit (${longest} ms) + ${GUARD_GRACE_MS} + HEALTH_POLLER_FLUSH_MS, or results would come back after their leases`,
      );
    }
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.loop;
    // Checks cut short by the abort are not recorded (they say nothing about the provider);
    // their rows are given back at once rather than left to their leases.
    await Promise.allSettled([...this.tasks]);
    await this.flush();
    this.abandoned.push(...this.queued.splice(0));
    const unfinished = this.abandoned.map((claim) => ({
      integrationId: claim.integration.id,
      leaseToken: claim.leaseToken,
    }));
    if (unfinished.length > 0) {
      await this.database.polls.release(unfinished).catch((error: unknown) => {
        this.logger.warn(
          `could not give back ${unfinished.length} claim(s) at shutdown; they return when their leases expire: ${String(error)}`,
        );
      });
    }
  }

  /** Checks running in this replica now (for tests and the benchmark). */
  get inFlight(): number {
    return this.running.size;
  }

  private async run(): Promise<void> {
    let errorBackoffMs = 0;
    while (!this.stop.signal.aborted) {
      let wait: 'full' | 'blocked' | 'idle';
      try {
        wait = await this.claimAndStart();
        errorBackoffMs = 0;
        await this.retention();
      } catch (error) {
        errorBackoffMs = Math.min(MAX_ERROR_BACKOFF_MS, Math.max(500, errorBackoffMs * 2));
        this.logger.warn(
          `could not claim due health checks (retrying in ${errorBackoffMs} ms): ${error instanceof Error ? error.message : String(error)}`,
        );
        await this.sleep(errorBackoffMs, 'idle');
        continue;
      }
      // Jittered (±25 %), so that replicas polling at the same period do not keep one phase, where
      // the one that happens to look first after rows fall due would take nearly all of them.
      await this.sleep(this.config.poller.idleMs * (0.75 + Math.random() * 0.5), wait);
    }
  }

  /** Claims this replica may hold: its slots, and a quarter more claimed ahead. */
  private get capacity(): number {
    const { concurrency } = this.config.poller;
    return concurrency + this.lookahead;
  }

  private get lookahead(): number {
    return Math.max(1, Math.ceil(this.config.poller.concurrency / 4));
  }

  /**
   * How many more claims to take now: capacity less what is held, and less the results waiting
   * beyond one batch to be written (when the database writes slower than checks finish, claiming
   * more would only grow that backlog in memory).
   */
  private get free(): number {
    const backlog = Math.max(0, this.results.length - this.config.poller.batchSize);
    return this.capacity - this.running.size - this.queued.length - backlog;
  }

  /**
   * Claims as many due checks as there is room for and starts them (or queues them for the next
   * free slot). Returns `slot` when it got all it asked for (more may be due: claim again as
   * soon as enough room frees up), and `idle` when fewer were due.
   */
  private async claimAndStart(): Promise<'full' | 'blocked' | 'idle'> {
    const free = this.free;
    if (free <= 0) return 'blocked';
    const plugins = this.plugins
      .list()
      .map((plugin) => {
        const key = pluginKey(plugin.type, plugin.provider);
        // A provider, too, may have a quarter more claimed ahead than it may run at once.
        const allowance = Math.ceil(this.providerLimit(plugin.provider) * 1.25);
        return {
          type: plugin.type,
          provider: plugin.provider,
          limit: Math.min(free, allowance - (this.heldPerPlugin.get(key) ?? 0)),
        };
      })
      .filter((plugin) => plugin.limit > 0);
    if (plugins.length === 0) return 'blocked';
    const claims = await this.database.polls.claimDue({
      owner: this.owner,
      leaseMs: this.leaseMs,
      limit: free,
      plugins,
    });
    for (const claim of claims) this.hold(claim);
    const asked = plugins.reduce((sum, plugin) => sum + plugin.limit, 0);
    return claims.length >= Math.min(free, asked) ? 'full' : 'idle';
  }

  private providerLimit(provider: string): number {
    return (
      this.config.poller.providerLimits.get(provider) ?? this.config.poller.providerConcurrency
    );
  }

  /** Counts a new claim against its plugin's limit, and runs it when a slot is free. */
  private hold(claim: ClaimedCheck): void {
    const key = pluginKey(claim.integration.type, claim.integration.provider);
    this.heldPerPlugin.set(key, (this.heldPerPlugin.get(key) ?? 0) + 1);
    if (this.canStart(claim)) this.start(claim, key);
    else this.queued.push(claim);
  }

  /** Whether a slot of the replica and of the claim's provider is free. */
  private canStart(claim: ClaimedCheck): boolean {
    const { type, provider } = claim.integration;
    return (
      this.running.size < this.config.poller.concurrency &&
      (this.runningPerPlugin.get(pluginKey(type, provider)) ?? 0) < this.providerLimit(provider)
    );
  }

  /** Starts the oldest queued claims that now have a slot. */
  private startQueued(): void {
    for (let index = 0; index < this.queued.length && !this.stop.signal.aborted;) {
      const claim = this.queued[index] as ClaimedCheck;
      if (this.running.size >= this.config.poller.concurrency) return;
      if (!this.canStart(claim)) {
        index++;
        continue;
      }
      this.queued.splice(index, 1);
      this.start(claim, pluginKey(claim.integration.type, claim.integration.provider));
    }
  }

  private start(claim: ClaimedCheck, key: string): void {
    const { integration } = claim;
    const plugin = this.plugins.get(integration.type, integration.provider);
    this.running.add(integration.id);
    this.runningPerPlugin.set(key, (this.runningPerPlugin.get(key) ?? 0) + 1);
    const task = this.check(claim, plugin)
      .catch((error: unknown) => {
        // The runner turns every failure into a result; this is a defect, said loudly.
        this.logger.error(
          `the health check of integration ${integration.id} failed outside the runner: ${String(error)}`,
        );
      })
      .finally(() => {
        this.tasks.delete(task);
        this.running.delete(integration.id);
        this.runningPerPlugin.set(key, (this.runningPerPlugin.get(key) ?? 1) - 1);
        this.heldPerPlugin.set(key, (this.heldPerPlugin.get(key) ?? 1) - 1);
        this.startQueued();
        this.onSlotFreed();
      });
    this.tasks.add(task);
  }

  private async check(
    claim: ClaimedCheck,
    plugin: IntegrationConnectorPlugin | undefined,
  ): Promise<void> {
    const { integration } = claim;
    if (plugin === undefined) {
      // Claimed for a plugin this replica lists: it cannot vanish, but never run blind.
      await this.database.polls.release([
        { integrationId: integration.id, leaseToken: claim.leaseToken },
      ]);
      return;
    }
    const result = await this.runner.runSaved(
      plugin,
      'checkHealth',
      integration,
      this.actorFor(integration.tenantId),
      this.stop.signal,
    );
    if (this.stop.signal.aborted) {
      this.abandoned.push(claim);
      return;
    }
    this.results.push(this.polled(claim, result));
    if (this.results.length >= this.config.poller.batchSize) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), this.config.poller.flushMs);
  }

  /** The result as the row will hold it: the status model's health and the next due time. */
  private polled(claim: ClaimedCheck, result: CheckResult): PolledResult {
    const { integration } = claim;
    const verdict = verdictAfterCheck(integration, result, this.config, Date.parse(claim.dueAt));
    return {
      tenantId: integration.tenantId,
      integrationId: integration.id,
      leaseToken: claim.leaseToken,
      ...verdict,
      result: historyFieldsOf(result),
    };
  }

  /**
   * Writes the waiting results in one transaction per batch: the rows and history under their
   * tokens, then a `health-changed` event for each accepted result that changed the health.
   * Flushes run one at a time. A batch that cannot be written is logged and dropped: its rows
   * keep their leases, which expire, and the checks are run again.
   */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      while (this.results.length > 0) {
        const batch = this.results.splice(0, this.config.poller.batchSize);
        try {
          await this.write(batch);
          // Written results no longer hold back claims (see `free`).
          this.onSlotFreed();
        } catch (error) {
          this.logger.error(
            `could not record ${batch.length} health check result(s); the checks run again when their leases expire: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    });
    return this.flushing;
  }

  private async write(batch: readonly PolledResult[]): Promise<void> {
    const outcome = await this.database.transaction(async (uow) => {
      const recorded = await uow.polls.recordPolled(batch);
      const events: LifecycleEvent[] = [];
      for (const accepted of recorded.accepted) {
        if (accepted.previousHealth === accepted.input.health) continue;
        events.push(
          LifecycleEvents.healthChanged(
            accepted.integration,
            accepted.previousHealth,
            accepted.input.health,
            accepted.input.result.message,
          ),
        );
      }
      if (events.length > 0) await uow.events.appendMany(events);
      return recorded;
    });
    if (outcome.discarded.length > 0) {
      this.logger.warn(
        `discarded ${outcome.discarded.length} health check result(s) whose claim had expired or been taken over, or whose registration was disabled or deleted meanwhile`,
      );
    }
  }

  /** Enforces the history's retention, in one replica at a time, every ten minutes. */
  private async retention(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRetentionAt < RETENTION_EVERY_MS) return;
    this.lastRetentionAt = now;
    const lease = await this.database.leases.acquire(
      RETENTION_LEASE,
      this.owner,
      RETENTION_EVERY_MS,
    );
    if (lease === null) return;
    let removed = 0;
    let last: number;
    do {
      last = await this.database.healthHistory.prune(this.config.retention, RETENTION_BATCH);
      removed += last;
    } while (last === RETENTION_BATCH && !this.stop.signal.aborted);
    if (removed > 0) this.logger.log(`removed ${removed} health history entries past retention`);
  }

  private onSlotFreed(): void {
    // Claim again once a quarter of the slots' worth (at least one) is free: claiming for every
    // single finished check would cost a statement per check.
    if (this.free >= this.lookahead) this.wake?.();
  }

  /**
   * Waits before the next claim. `idle` (nothing more was due): the idle period, or until
   * shutdown. `blocked` (no room): until a check's end frees enough room, at most the period.
   * `full` (got all it asked for, more may be due): the same, but at once (after yielding) when
   * room freed up meanwhile, while the claim was out — no one was asleep to be woken then.
   */
  private sleep(ms: number, wait: 'full' | 'blocked' | 'idle'): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (this.stop.signal.aborted) return done();
      if (wait === 'idle') {
        this.wake = () => this.stop.signal.aborted && done();
        return;
      }
      this.wake = done;
      if (wait === 'full' && this.free >= this.lookahead) setImmediate(done);
    });
  }
}
