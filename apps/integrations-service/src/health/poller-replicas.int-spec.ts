import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PolledResult } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import { Client } from 'pg';
import type { BuiltService } from '../testing/built-service';
import { BUILT_SERVICE_MAIN, exitOf, startBuiltService } from '../testing/built-service';
import { inMemoryDraft } from '../testing/in-memory-draft';
import type { TestBackend } from '../testing/test-backend';
import { createTestBackend } from '../testing/test-backend';
import { until } from '../testing/until';

// The schedule the replicas keep. Checks take LATENCY_MS, so that some are always in flight when
// a replica is stopped or killed (about 100 checks a second run over the two replicas).
const INTERVAL_MS = 10_000;
const LATENCY_MS = 400;
/**
 * How often an idle poller looks for due rows. The second replica looks a little more often: the
 * poller's idle wait has no jitter, so two replicas with one period keep whatever phase they
 * started with, and the one that looks just after the other finds what became due meanwhile —
 * 10 ms after it, a tenth of the work, for as long as the phases hold. Two periods sweep the
 * phases past each other several times an interval.
 */
const IDLE_MS = 250;
const SECOND_IDLE_MS = 190;
const LEASE_MS = 4_000;
const CHECK_TIMEOUT_MS = 2_000;
/**
 * How long after its due time an undisturbed check may finish: an idle poller looks for due
 * rows every IDLE_MS (250 at most), the check takes LATENCY_MS (400), and a result is written
 * within HEALTH_POLLER_FLUSH_MS (50) — 0.7 s in all; the rest is room for a 2-core machine that
 * runs two services, PostgreSQL and jest at once. A claim that dies is checked again at most
 * LEASE_MS + LATE_MS after it was made (itself at most LATE_MS after the due time), and 2 ×
 * LATE_MS + LEASE_MS < INTERVAL_MS: the late check still falls in its own interval, and the
 * next one is on the anchored schedule again.
 */
const LATE_MS = 2_000;

const POLLER_ENV = {
  HEALTH_POLLER_IDLE_MS: String(IDLE_MS),
  HEALTH_POLLER_LEASE_MS: String(LEASE_MS),
  CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
  HEALTH_POLLER_CONCURRENCY: '100',
  HEALTH_POLLER_PROVIDER_LIMITS: 'in-memory=100',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopService(service: BuiltService | undefined): Promise<void> {
  if (service === undefined || service.child.exitCode !== null || service.child.signalCode) return;
  service.child.kill('SIGCONT');
  service.child.kill('SIGTERM');
  const exited = exitOf(service.child);
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A claim of one registration, as the sampler saw it in the row. */
interface SeenClaim {
  readonly id: string;
  readonly owner: string;
  readonly token: string;
  /** When the claim was made: its lease's end less the lease (the database's clock). */
  readonly claimedAt: number;
  readonly leaseUntil: number;
}

/**
 * Reads every live claim (`lease_owner`, `lease_token`, `lease_until`) of the schema every 100
 * ms. A check holds its claim for at least LATENCY_MS (400), so every claim is seen; a claim is
 * cleared when its result is recorded, and a dead replica's stays in the row until another
 * replica claims the row again.
 */
class ClaimSampler {
  readonly claims = new Map<string, SeenClaim>();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly schema: string,
  ) {}

  start(): void {
    this.running = (async () => {
      while (!this.stopped) {
        const { rows } = await this.client.query<{
          id: string;
          owner: string;
          token: string;
          until: number;
        }>(
          `SELECT "id", "lease_owner" AS "owner", "lease_token"::text AS "token",
              (extract(epoch FROM "lease_until") * 1000)::float8 AS "until"
            FROM "${this.schema}"."integrations"
            WHERE "lease_owner" IS NOT NULL AND "lease_until" > statement_timestamp()`,
        );
        for (const row of rows) {
          if (this.claims.has(row.token)) continue;
          this.claims.set(row.token, {
            id: row.id,
            owner: row.owner,
            token: row.token,
            claimedAt: row.until - LEASE_MS,
            leaseUntil: row.until,
          });
        }
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

/** One check in the history, placed on its registration's anchored schedule. */
interface PlacedCheck {
  readonly id: string;
  /** The interval it fell in: 0 for the first due time, 1 for the next... */
  readonly slot: number;
  readonly dueAt: number;
  readonly checkedAt: number;
}

interface ScheduleReport {
  readonly checks: PlacedCheck[];
  /** Checks that finished before the registration's first due time. */
  readonly early: PlacedCheck[];
  /** A second (third...) check within one interval. */
  readonly doubles: PlacedCheck[];
  /** Intervals that had to have a check by `completeUntil` and have none. */
  readonly missing: { id: string; slot: number; dueAt: number }[];
  /** Checks that finished more than LATE_MS after their due time. */
  readonly late: PlacedCheck[];
  /** How late the other checks finished, ms, ascending. */
  readonly lateness: number[];
}

/**
 * Places every check of the history on the registration's schedule: due at its first due time
 * and every interval after it (the schedule is anchored, so that a slow check does not push the
 * next one). Every interval whose due time is at or before `completeBefore` must have exactly
 * one check; later ones at most one.
 */
function placeOnSchedule(
  anchors: ReadonlyMap<string, number>,
  history: ReadonlyMap<string, readonly number[]>,
  completeBefore: number,
): ScheduleReport {
  const report: ScheduleReport = {
    checks: [],
    early: [],
    doubles: [],
    missing: [],
    late: [],
    lateness: [],
  };
  for (const [id, anchor] of anchors) {
    const seen = new Set<number>();
    for (const checkedAt of history.get(id) ?? []) {
      const slot = Math.floor((checkedAt - anchor) / INTERVAL_MS);
      const check = { id, slot, dueAt: anchor + slot * INTERVAL_MS, checkedAt };
      if (slot < 0) {
        report.early.push(check);
        continue;
      }
      report.checks.push(check);
      if (seen.has(slot)) report.doubles.push(check);
      seen.add(slot);
      const lateBy = checkedAt - check.dueAt;
      if (lateBy > LATE_MS) report.late.push(check);
      else report.lateness.push(lateBy);
    }
    for (let slot = 0; anchor + slot * INTERVAL_MS <= completeBefore; slot++) {
      if (!seen.has(slot)) report.missing.push({ id, slot, dueAt: anchor + slot * INTERVAL_MS });
    }
  }
  report.lateness.sort((a, b) => a - b);
  return report;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function historyOf(client: Client, schema: string): Promise<Map<string, number[]>> {
  const { rows } = await client.query<{ id: string; at: number }>(
    `SELECT "integration_id" AS "id", (extract(epoch FROM "checked_at") * 1000)::float8 AS "at"
      FROM "${schema}"."health_history" ORDER BY "integration_id", "checked_at"`,
  );
  const history = new Map<string, number[]>();
  for (const row of rows) {
    const entries = history.get(row.id) ?? [];
    entries.push(row.at);
    history.set(row.id, entries);
  }
  return history;
}

/** How many claims `owner` holds now: checks it has in flight, or results not yet written. */
async function heldBy(client: Client, schema: string, owner: string): Promise<number> {
  const { rows } = await client.query<{ held: number }>(
    `SELECT count(*)::integer AS "held" FROM "${schema}"."integrations"
      WHERE "lease_owner" = $1 AND "lease_until" > statement_timestamp()`,
    [owner],
  );
  return rows[0]?.held ?? 0;
}

async function dbNow(client: Client): Promise<number> {
  const { rows } = await client.query<{ now: number }>(
    `SELECT (extract(epoch FROM statement_timestamp()) * 1000)::float8 AS "now"`,
  );
  return rows[0]?.now ?? Number.NaN;
}

/** The replica's id in `lease_owner` carries its process id (`host:pid:random`). */
function ownerOf(claims: Iterable<SeenClaim>, service: BuiltService): string {
  const owners = new Set([...claims].map((claim) => claim.owner));
  const mine = [...owners].filter((owner) => owner.split(':').includes(String(service.child.pid)));
  if (mine.length !== 1) {
    throw new Error(
      `expected one lease owner for process ${service.child.pid} among ${[...owners].join(', ')}`,
    );
  }
  return mine[0] as string;
}

function first<T>(items: readonly T[], count = 10): T[] {
  return items.slice(0, count);
}

describe('the health poller on one PostgreSQL, two service processes', () => {
  const REGISTRATIONS = 1_000;
  let backend: TestBackend;
  let admin: Client;
  let sampler: ClaimSampler | undefined;
  const services: BuiltService[] = [];
  const extraDirs: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVICE_MAIN)) {
      throw new Error(`${BUILT_SERVICE_MAIN} is missing: build the service first (npm test does)`);
    }
    backend = await createTestBackend();
    admin = new Client({ connectionString: backend.env['DATABASE_URL'] });
    await admin.connect();
  }, 30_000);

  afterAll(async () => {
    await sampler?.stop();
    await Promise.all(services.map(stopService));
    await admin?.end();
    await backend?.dispose();
    for (const dir of extraDirs) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('discards the late result of an expired claim and records the claim that took it over', async () => {
    // A replica migrates the schema; the claims below are of a provider no replica has a plugin
    // for, so that the running pollers leave the row alone.
    const database = await Database.open({
      databaseUrl: backend.env['DATABASE_URL'],
      schema: backend.env['DATABASE_SCHEMA'],
      poolSize: 2,
    });
    try {
      const probe = { type: 'scm', provider: 'fencing-probe' };
      const registration = await database.integrations.insert({
        tenantId: 'default',
        name: 'fencing-probe',
        ...probe,
        endpoint: 'https://probe.example.test',
        settings: {},
        credentials: {},
        healthCheckIntervalSeconds: 10,
        tags: [],
        createdBy: 'spec',
      });
      const claim = (owner: string, leaseMs: number) =>
        database.polls.claimDue({ owner, leaseMs, limit: 1, plugins: [{ ...probe, limit: 1 }] });
      const resultOf = (token: string, message: string): PolledResult => ({
        tenantId: 'default',
        integrationId: registration.id,
        leaseToken: token,
        health: 'healthy',
        consecutiveFailures: 0,
        nextCheckAt: new Date(Date.now() + 10_000).toISOString(),
        result: {
          status: 'healthy',
          success: true,
          phase: null,
          isTransient: false,
          message,
          durationMs: 1,
          checkedAt: new Date().toISOString(),
          details: {},
        },
      });

      const [a] = await claim('replica-a', 500);
      expect(a?.integration.id).toBe(registration.id);
      // Held: nobody else gets it while the lease lasts.
      expect(await claim('replica-b', 60_000)).toEqual([]);
      await sleep(Date.parse(a!.leaseUntil) - Date.now() + 100);
      const [b] = await claim('replica-b', 60_000);
      expect(b?.integration.id).toBe(registration.id);
      expect(BigInt(b!.leaseToken)).toBeGreaterThan(BigInt(a!.leaseToken));

      // A, back from its stall: its result and its release are refused, B's lease stands.
      const late = await database.transaction((uow) =>
        uow.polls.recordPolled([resultOf(a!.leaseToken, 'from A, late')]),
      );
      expect(late).toEqual({ accepted: [], discarded: [registration.id] });
      await database.polls.release([{ integrationId: registration.id, leaseToken: a!.leaseToken }]);
      expect(await claim('replica-c', 60_000)).toEqual([]);

      const current = await database.transaction((uow) =>
        uow.polls.recordPolled([resultOf(b!.leaseToken, 'from B')]),
      );
      expect(current.discarded).toEqual([]);
      expect(current.accepted.map((entry) => entry.integration.id)).toEqual([registration.id]);
      const { rows } = await admin.query<{ message: string }>(
        `SELECT "message" FROM "${backend.env['DATABASE_SCHEMA']}"."health_history"
          WHERE "integration_id" = $1`,
        [registration.id],
      );
      expect(rows).toEqual([{ message: 'from B' }]);
      expect((await database.integrations.findById('default', registration.id))?.health).toBe(
        'healthy',
      );
    } finally {
      await database.close();
    }
  }, 30_000);

  it(`checks each of ${REGISTRATIONS} registrations once per interval, split between the replicas, through a stall and a kill`, async () => {
    const schema = backend.env['DATABASE_SCHEMA'] as string;
    const secondDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-replica-'));
    extraDirs.push(secondDataDir);
    const [a, b] = await Promise.all([
      startBuiltService({ env: { ...backend.env, ...POLLER_ENV } }),
      startBuiltService({
        env: {
          ...backend.env,
          ...POLLER_ENV,
          HEALTH_POLLER_IDLE_MS: String(SECOND_IDLE_MS),
          DATA_DIR: secondDataDir,
        },
      }),
    ]);
    services.push(a, b);

    // Written straight into the schema the replicas migrated: due over the first interval.
    const seeded = await admin.query<{ id: string; due: number }>(
      `INSERT INTO "${schema}"."integrations" ("tenant_id", "name", "type", "provider", "endpoint",
          "settings", "status", "health_check_interval_seconds", "created_by", "updated_by",
          "next_check_at")
        SELECT 'default', 'poll-' || lpad(n::text, 4, '0'), 'scm', 'in-memory',
          'https://scm.example.test', jsonb_build_object('latencyMs', $2::integer), 'active',
          $3::integer, 'spec', 'spec',
          statement_timestamp() + interval '1 second' + (n * $4::integer / $1::integer) * interval '1 millisecond'
        FROM generate_series(0, $1::integer - 1) AS n
        RETURNING "id", (extract(epoch FROM "next_check_at") * 1000)::float8 AS "due"`,
      [REGISTRATIONS, LATENCY_MS, INTERVAL_MS / 1_000, INTERVAL_MS],
    );
    const anchors = new Map(seeded.rows.map((row) => [row.id, row.due]));
    const firstDue = Math.min(...anchors.values());
    const lastFirstDue = Math.max(...anchors.values());

    const sampling = new Client({ connectionString: backend.env['DATABASE_URL'] });
    await sampling.connect();
    sampler = new ClaimSampler(sampling, schema);
    sampler.start();

    try {
      // Both replicas, undisturbed, until every registration has had its first check.
      await until(
        () => new Set([...sampler!.claims.values()].map((c) => c.owner)).size === 2,
        15_000,
        'both replicas claiming',
        50,
      );
      const ownerA = ownerOf(sampler.claims.values(), a);
      const ownerB = ownerOf(sampler.claims.values(), b);
      await sleep(lastFirstDue + LATE_MS - (await dbNow(admin)));

      // A stalls (SIGSTOP) with checks in flight for longer than a lease: B takes its claims over
      // when they expire, and A's results, when it resumes, come back under expired claims.
      await until(
        async () => (await heldBy(admin, schema, ownerA)) >= 5,
        5_000,
        'A has checks in flight',
        50,
      );
      const stoppedAt = await dbNow(admin);
      a.child.kill('SIGSTOP');
      await sleep(LEASE_MS + 1_500);
      a.child.kill('SIGCONT');
      const resumedAt = await dbNow(admin);
      await until(
        () => /discarded \d+ health check result/.test(a.output()),
        10_000,
        'A logs its discarded results',
        50,
      );

      // B is killed with checks in flight: A takes over its claims when they expire.
      await until(
        async () => (await heldBy(admin, schema, ownerB)) >= 5,
        5_000,
        'B has checks in flight',
        50,
      );
      const killedAt = await dbNow(admin);
      b.child.kill('SIGKILL');
      await exitOf(b.child);

      // Long enough for every interval due up to an interval after the kill to be checked, late
      // ones included.
      await sleep(killedAt + INTERVAL_MS + LEASE_MS + 2 * LATE_MS + 500 - (await dbNow(admin)));
      await sampler.stop();
      const endedAt = await dbNow(admin);
      await stopService(a);
      const history = await historyOf(admin, schema);
      const report = placeOnSchedule(anchors, history, endedAt - LEASE_MS - 2 * LATE_MS);
      const claims = [...sampler.claims.values()];

      // Exactly once per interval: nothing early, nothing twice, nothing missed.
      expect(first(report.early)).toEqual([]);
      expect(first(report.doubles)).toEqual([]);
      expect(first(report.missing)).toEqual([]);
      const slotsPerRegistration =
        Math.floor((endedAt - LEASE_MS - 2 * LATE_MS - lastFirstDue) / INTERVAL_MS) + 1;
      expect(report.checks.length).toBeGreaterThanOrEqual(REGISTRATIONS * slotsPerRegistration);

      // Every check ran under a claim the sampler saw (made when due, before the check ended):
      // which replica did it.
      const claimsById = new Map<string, SeenClaim[]>();
      for (const claim of claims)
        claimsById.set(claim.id, [...(claimsById.get(claim.id) ?? []), claim]);
      const claimOf = (check: PlacedCheck): SeenClaim | undefined =>
        (claimsById.get(check.id) ?? [])
          .filter(
            (claim) => claim.claimedAt >= check.dueAt - 1 && claim.claimedAt <= check.checkedAt,
          )
          .sort((x, y) => y.claimedAt - x.claimedAt)[0];
      const unclaimed = report.checks.filter((check) => claimOf(check) === undefined);
      expect(first(unclaimed)).toEqual([]);

      // The work was split: each replica did a substantial share while both ran.
      const together = report.checks.filter((check) => check.checkedAt < stoppedAt);
      const byA = together.filter((check) => claimOf(check)?.owner === ownerA).length;
      const byB = together.filter((check) => claimOf(check)?.owner === ownerB).length;
      expect(byA + byB).toBe(together.length);
      expect(together.length).toBeGreaterThanOrEqual(REGISTRATIONS);
      expect(Math.min(byA, byB)).toBeGreaterThanOrEqual(0.3 * together.length);

      // Every late check is one that the stalled or the killed replica held when it stopped:
      // its claim for that interval expired, and only then was the row claimed again (after the
      // kill by the survivor; after the stall by whichever replica looked first) and checked,
      // within LATE_MS of the expiry.
      const takenOver = (check: PlacedCheck, owner: string, from: number, to: number) => {
        const again = claimOf(check);
        return (claimsById.get(check.id) ?? []).some(
          (held) =>
            held.owner === owner &&
            held.claimedAt >= check.dueAt - 1 &&
            held.claimedAt <= to &&
            held.leaseUntil >= from &&
            again !== undefined &&
            again.token !== held.token &&
            again.claimedAt >= held.leaseUntil &&
            check.checkedAt <= held.leaseUntil + LATE_MS,
        );
      };
      const afterStall = report.late.filter((check) =>
        takenOver(check, ownerA, stoppedAt, resumedAt),
      );
      const afterKill = report.late.filter((check) => takenOver(check, ownerB, killedAt, killedAt));
      expect(afterKill.filter((check) => claimOf(check)?.owner !== ownerA)).toEqual([]);
      expect(
        first(
          report.late.filter((check) => !afterStall.includes(check) && !afterKill.includes(check)),
        ),
      ).toEqual([]);
      expect(afterStall.length).toBeGreaterThan(0);
      expect(afterKill.length).toBeGreaterThan(0);
      // The bound: a dead replica's checks are done within a lease and an interval.
      for (const check of afterKill)
        expect(check.checkedAt - killedAt).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS);
      for (const check of afterStall)
        expect(check.checkedAt - stoppedAt).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS);

      // What the run looked like, for the record.
      const discarded = [...a.output().matchAll(/discarded (\d+) health check result/g)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
      console.log(
        [
          `${report.checks.length} checks of ${REGISTRATIONS} registrations from ${((endedAt - firstDue) / 1000).toFixed(1)} s of polling`,
          `while both ran: A ${byA}, B ${byB}`,
          `on time: p50 ${quantile(report.lateness, 0.5).toFixed(0)} ms, p99 ${quantile(report.lateness, 0.99).toFixed(0)} ms, max ${quantile(report.lateness, 1).toFixed(0)} ms after due`,
          `A stalled ${((resumedAt - stoppedAt) / 1000).toFixed(1)} s: ${afterStall.length} checks taken over by B, ${discarded} late results of A discarded`,
          `B killed: ${afterKill.length} checks taken over by A, at most ${Math.max(...afterKill.map((c) => c.checkedAt - killedAt)).toFixed(0)} ms after the kill`,
        ].join('\n'),
      );
    } finally {
      await sampler.stop();
      await sampling.end();
    }
  }, 120_000);
});

describe('the health poller on the embedded default', () => {
  const REGISTRATIONS = 200;
  let service: BuiltService | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-poller-embedded-'));

  afterAll(async () => {
    await stopService(service);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it(`checks each of ${REGISTRATIONS} registrations once per interval`, async () => {
    service = await startBuiltService({
      env: { DATA_DIR: dataDir, ...POLLER_ENV },
      startTimeoutMs: 60_000,
    });
    const { url, token } = service;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // A registration is due at once: its first due time is when it was written.
    const anchors = new Map<string, number>();
    const register = async () => {
      const response = await fetch(`${url}/api/v1/integrations`, {
        method: 'POST',
        headers,
        body: JSON.stringify(
          inMemoryDraft({
            settings: { latencyMs: 100 },
            healthCheckIntervalSeconds: INTERVAL_MS / 1_000,
          }),
        ),
      });
      const body = (await response.json()) as { id: string; createdAt: string };
      if (response.status !== 201) {
        throw new Error(`registering answered ${response.status}: ${JSON.stringify(body)}`);
      }
      anchors.set(body.id, Date.parse(body.createdAt));
    };
    for (let batch = 0; batch < REGISTRATIONS / 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, register));
    }
    const lastFirstDue = Math.max(...anchors.values());
    await sleep(lastFirstDue + 2 * INTERVAL_MS + LATE_MS + 500 - Date.now());
    const endedAt = Date.now();

    const history = new Map<string, number[]>();
    for (const id of anchors.keys()) {
      const response = await fetch(`${url}/api/v1/integrations/${id}/health?limit=10`, { headers });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { history: { checkedAt: string }[] };
      history.set(
        id,
        body.history.map((entry) => Date.parse(entry.checkedAt)).sort((x, y) => x - y),
      );
    }
    const report = placeOnSchedule(anchors, history, endedAt - LATE_MS);
    expect(first(report.early)).toEqual([]);
    expect(first(report.doubles)).toEqual([]);
    expect(first(report.missing)).toEqual([]);
    expect(first(report.late)).toEqual([]);
    // Three intervals of each registration: its first check and two more.
    expect(report.checks.length).toBeGreaterThanOrEqual(3 * REGISTRATIONS);
    console.log(
      `embedded: ${report.checks.length} checks of ${REGISTRATIONS} registrations; on time: p50 ${quantile(report.lateness, 0.5).toFixed(0)} ms, max ${quantile(report.lateness, 1).toFixed(0)} ms after due`,
    );
  }, 90_000);
});
