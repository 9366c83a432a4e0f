#!/usr/bin/env node
// The health sweep: how long the poller takes to check every registration when all of them are
// due at once, on one replica and on two, how many checks a second it sustains when checks take
// no time, and how many database statements a check costs. See README.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuDelta, cpuSnapshot } from '../api/lib/cpu-usage.mjs';
import { fixed, formatTable } from '../api/lib/bench-stats.mjs';
import { hs256Token } from '../api/lib/hs256-token.mjs';
import {
  SERVICE_BUNDLE,
  benchDatabaseUrl,
  buildService,
  inMemoryType,
  serviceEnvironment,
  withClient,
} from '../api/lib/bench-setup.mjs';
import { freePort, NodeProcess, readMemory, waitForOk } from '../api/lib/node-process.mjs';
import { sourceMapFrames } from '../api/lib/source-map-frames.mjs';
import { summarizeCpuProfile } from '../api/lib/summarize-cpu-profile.mjs';
import { clock, startStatementCounter, statementShape } from './lib/statement-counter.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const resultsDir = path.join(here, 'results');
const profilePreload = path.join(here, '..', 'api', 'cpu-profile-preload.cjs');

/** The goals. */
const GOALS = {
  /** One replica's sweep, against the ideal registrations × latency / concurrency. */
  sweepOverIdeal: 1.2,
  /** Two replicas' sweep, against one replica's. */
  twoOverOne: 0.6,
  statementsPerCheck: 3,
};

// The claim is the poller's only statement with SKIP LOCKED; its rows are the rows claimed.
const isClaim = (sql) => /FOR UPDATE SKIP LOCKED/i.test(sql);
const isCommit = (sql) => /^\s*COMMIT\b/i.test(sql);
// The batched write of results: the statement that appends the history entries.
const isRecord = (sql) =>
  /jsonb_to_recordset/.test(sql) && /INSERT INTO\s+\S*"health_history"/.test(sql);

const HELP = `usage: node tools/bench/health-sweep/run.mjs [options]

  --registrations <n>  in-memory registrations, all due at once in each sweep
                       (BENCH_REGISTRATIONS, 10000)
  --latency <ms>       each check's simulated latency in the first two scenarios (BENCH_LATENCY, 50)
  --concurrency <n>    HEALTH_POLLER_CONCURRENCY of each replica, and its in-memory provider limit
                       (BENCH_CONCURRENCY, 200)
  --rounds <n>         sweeps per scenario (BENCH_ROUNDS, 4); each scenario is judged on the
                       median of its sweeps after the first
  --scenarios <list>   which of one,two,zero,steady to run (BENCH_SCENARIOS, one,two,zero,steady)
  --steady <s>         measured seconds of the steady scenario (BENCH_STEADY, 20)
  --direct             the replicas connect to PostgreSQL directly, not through the statement
                       counters: no statement figures and no sweep time from the wire, only the
                       span of the checks from the database (to see what the counters cost)
  --profile            after each scenario's rounds, one more sweep with the replicas under V8's
                       CPU profiler (not counted in the figures); prints where the time goes
  --label <text>       names the results file: results/<label>.json (default: the start time)
  --service-main <f>   the service's entry point (BENCH_SERVICE_MAIN; default the bundle)
  --skip-build         do not run 'nx build integrations-service' first
  --help

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, loopback only).
The run works in a schema of its own and drops it at the end.`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      registrations: { type: 'string' },
      latency: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      scenarios: { type: 'string' },
      steady: { type: 'string' },
      profile: { type: 'boolean' },
      direct: { type: 'boolean' },
      label: { type: 'string' },
      'service-main': { type: 'string' },
      'skip-build': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const integer = (raw, name, fallback, min, max = Number.MAX_SAFE_INTEGER) => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
    }
    return value;
  };
  const scenarios = (values.scenarios ?? process.env.BENCH_SCENARIOS ?? 'one,two,zero,steady')
    .split(',')
    .map((name) => name.trim());
  for (const name of scenarios) {
    if (!['one', 'two', 'zero', 'steady'].includes(name)) {
      throw new Error(`unknown scenario '${name}'`);
    }
  }
  return {
    databaseUrl: benchDatabaseUrl(),
    registrations: integer(
      values.registrations ?? process.env.BENCH_REGISTRATIONS,
      '--registrations',
      10_000,
      1,
    ),
    latencyMs: integer(values.latency ?? process.env.BENCH_LATENCY, '--latency', 50, 0, 60_000),
    concurrency: integer(
      values.concurrency ?? process.env.BENCH_CONCURRENCY,
      '--concurrency',
      200,
      1,
      1_000,
    ),
    rounds: integer(values.rounds ?? process.env.BENCH_ROUNDS, '--rounds', 4, 1),
    scenarios,
    steadySeconds: integer(values.steady ?? process.env.BENCH_STEADY, '--steady', 20, 1),
    profile: values.profile === true,
    direct: values.direct === true,
    label: values.label ?? new Date().toISOString().replaceAll(':', '-'),
    serviceMain: path.resolve(
      values['service-main'] ?? process.env.BENCH_SERVICE_MAIN ?? SERVICE_BUNDLE,
    ),
    skipBuild: values['skip-build'] === true,
  };
}

const created = { schema: undefined, dirs: [], counters: [] };
/** Rows of the integrations table this script updated itself (making them due, settings). */
let ownUpdates = 0;

async function cleanUp(options) {
  await NodeProcess.stopAll();
  await Promise.all(created.counters.map((counter) => counter.close()));
  created.counters = [];
  if (created.schema !== undefined) {
    const schema = created.schema;
    created.schema = undefined;
    await withClient(options.databaseUrl, (client) =>
      client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
    );
  }
  for (const dir of created.dirs) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * One replica of the service, connected to PostgreSQL through a statement counter of its own (so
 * that what each replica sends is counted apart), or directly with --direct.
 */
async function startReplica(options, name, { schema, secret, profileDir }) {
  const counter = options.direct ? undefined : await startStatementCounter(options.databaseUrl);
  if (counter !== undefined) created.counters.push(counter);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `stellaops-sweep-bench-${name}-`));
  created.dirs.push(dataDir);
  const port = await freePort();
  const env = serviceEnvironment({
    port,
    secret,
    dataDir,
    databaseUrl: counter?.url ?? options.databaseUrl,
    schema,
    extra: {
      HEALTH_POLLER_CONCURRENCY: String(options.concurrency),
      HEALTH_POLLER_PROVIDER_LIMITS: `in-memory=${options.concurrency}`,
    },
  });
  const nodeArgs = [];
  if (profileDir !== undefined) {
    env.BENCH_CPU_PROFILE_DIR = profileDir;
    nodeArgs.push('--require', profilePreload);
  }
  const proc = NodeProcess.start(options.serviceMain, {
    env,
    nodeArgs,
    cwd: root,
    label: `replica ${name}`,
  });
  await waitForOk(`http://127.0.0.1:${port}/health/ready`, proc);
  return { name, proc, counter, url: `http://127.0.0.1:${port}` };
}

/** Registrations written straight into the schema, never due until a sweep makes them due. */
async function seed(admin, schema, type, count, latencyMs) {
  await admin.query(
    `INSERT INTO "${schema}"."integrations" ("tenant_id", "name", "type", "provider", "endpoint",
        "settings", "status", "health_check_interval_seconds", "created_by", "updated_by",
        "next_check_at")
      SELECT 'bench', 'sweep-' || lpad(n::text, 6, '0'), $1, 'in-memory',
        'https://in-memory.invalid/sweep', jsonb_build_object('latencyMs', $3::integer), 'active',
        86400, 'bench', 'bench', 'infinity'
      FROM generate_series(1, $2::integer) AS n`,
    [type, count, latencyMs],
  );
  await admin.query(`VACUUM ANALYZE "${schema}"."integrations"`);
}

async function setLatency(admin, schema, latencyMs) {
  const { rowCount } = await admin.query(
    `UPDATE "${schema}"."integrations"
      SET "settings" = jsonb_build_object('latencyMs', $1::integer)`,
    [latencyMs],
  );
  ownUpdates += rowCount;
  await admin.query(`VACUUM ANALYZE "${schema}"."integrations"`);
}

async function waitForProfile(dir, known) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const fresh = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.cpuprofile') && !known.has(file));
    if (fresh.length > 0) {
      known.add(fresh[0]);
      return path.join(dir, fresh[0]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no CPU profile appeared in ${dir}`);
}

/**
 * What the statement counters saw of one sweep: it runs from the first claim that took rows (as
 * sent) to the answer to the last COMMIT (the last batch of results written).
 */
function wireFigures(logs, checks) {
  const all = logs.flat();
  const claims = all.filter((entry) => isClaim(entry.sql) && entry.rows > 0);
  if (claims.length === 0) throw new Error('no claim was seen: is the poller running?');
  const firstClaim = Math.min(...claims.map((entry) => entry.at));
  const commits = all.filter((entry) => isCommit(entry.sql) && entry.doneAt !== undefined);
  const lastCommit = Math.max(...commits.map((entry) => entry.doneAt));
  const inSweep = (entry) => entry.at >= firstClaim && entry.at <= lastCommit;
  const shapes = new Map();
  for (const entry of all.filter(inSweep)) {
    const shape = statementShape(entry.sql);
    const row = shapes.get(shape) ?? { shape, count: 0, rows: 0, ms: 0 };
    row.count++;
    row.rows += entry.rows;
    row.ms += (entry.doneAt ?? entry.at) - entry.at;
    shapes.set(shape, row);
  }
  const statements = all.filter(inSweep).length;
  // Claims held over the sweep: rows claimed (when the claim's answer came) and not yet written
  // (when the write's answer came). The ideal is the replicas' whole concurrency throughout.
  const steps = [];
  for (const entry of all.filter(inSweep)) {
    if (isClaim(entry.sql)) steps.push([entry.doneAt, entry.rows]);
    else if (isRecord(entry.sql)) steps.push([entry.doneAt, -entry.rows]);
  }
  steps.sort((x, y) => x[0] - y[0]);
  let held = 0;
  let area = 0;
  let previous = firstClaim;
  for (const [at, change] of steps) {
    area += held * (at - previous);
    held += change;
    previous = at;
  }
  const sweepMs = lastCommit - firstClaim;
  return {
    firstClaim,
    sweepMs,
    statements,
    statementsPerCheck: statements / checks,
    checksPerSecond: checks / (sweepMs / 1000),
    meanHeld: area / sweepMs,
    perReplica: logs.map((log) => ({
      claimed: log
        .filter((entry) => inSweep(entry) && isClaim(entry.sql))
        .reduce((sum, entry) => sum + entry.rows, 0),
      claims: log.filter((entry) => inSweep(entry) && isClaim(entry.sql) && entry.rows > 0).length,
      statements: log.filter(inSweep).length,
    })),
    statementShapes: [...shapes.values()].sort((a, b) => b.count - a.count),
  };
}

/**
 * Makes every registration due at once (one UPDATE) and waits until each has a new history
 * entry, polling every 20 ms and reading the replicas' RSS each time.
 */
async function sweep({ admin, schema, options }, replicas, count) {
  const cpuBefore = replicas.map((replica) => cpuSnapshot(replica.proc.pid).serverMs);
  // With counters, the PostgreSQL backends serving the replicas are connected from this process.
  const pgClientPid = options.direct ? replicas[0].proc.pid : process.pid;
  const pgBefore = cpuSnapshot(pgClientPid);
  const logStart = replicas.map((replica) => replica.counter?.log.length ?? 0);
  const rssBefore = replicas.map((replica) => readMemory(replica.proc.pid).rssMb);
  const peakRss = [...rssBefore];
  const {
    rows: [made],
  } = await admin.query(
    `WITH "due" AS (
        UPDATE "${schema}"."integrations" SET "next_check_at" = statement_timestamp() RETURNING 1
      )
      SELECT count(*)::integer AS "n", (extract(epoch FROM statement_timestamp()) * 1000)::float8 AS "at"
      FROM "due"`,
  );
  if (made.n !== count) throw new Error(`made ${made.n} registrations due, expected ${count}`);
  ownUpdates += made.n;
  const deadline = clock() + 300_000;
  let done = 0;
  while (done < count) {
    if (clock() > deadline) throw new Error(`only ${done} of ${count} checked within 300 s`);
    for (const replica of replicas) {
      if (replica.proc.exit !== undefined) {
        throw new Error(`replica ${replica.name} exited:\n${replica.proc.output()}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    replicas.forEach((replica, n) => {
      peakRss[n] = Math.max(peakRss[n], readMemory(replica.proc.pid).rssMb);
    });
    const { rows } = await admin.query(
      `SELECT count(*)::integer AS "n" FROM "${schema}"."health_history"
        WHERE "checked_at" >= to_timestamp($1::float8 / 1000)`,
      [made.at],
    );
    done = rows[0].n;
  }
  const seenAt = clock();
  if (done !== count) throw new Error(`${done} history entries for ${count} registrations`);
  const cpuAfter = replicas.map((replica) => cpuSnapshot(replica.proc.pid).serverMs);
  const cpu = await cpuDelta(pgBefore, cpuSnapshot(pgClientPid), {
    serverPid: pgClientPid,
    admin,
    postgresPort: Number(new URL(options.databaseUrl).port || 5432),
  });
  const {
    rows: [span],
  } = await admin.query(
    `SELECT (extract(epoch FROM min("checked_at")) * 1000)::float8 AS "first",
        (extract(epoch FROM max("checked_at")) * 1000)::float8 AS "last"
      FROM "${schema}"."health_history" WHERE "checked_at" >= to_timestamp($1::float8 / 1000)`,
    [made.at],
  );
  const wire = options.direct
    ? undefined
    : wireFigures(
        replicas.map((replica, n) =>
          replica.counter.log.slice(logStart[n]).filter((entry) => entry.at <= seenAt),
        ),
        done,
      );
  return {
    checks: done,
    dueAt: made.at,
    // From the database: the first check's end to the last one's.
    checkedSpanMs: span.last - span.first,
    ...(wire === undefined
      ? {}
      : {
          firstClaimMs: wire.firstClaim - made.at,
          sweepMs: wire.sweepMs,
          statements: wire.statements,
          statementsPerCheck: wire.statementsPerCheck,
          checksPerSecond: wire.checksPerSecond,
          meanHeld: wire.meanHeld,
        }),
    replicas: replicas.map((replica, n) => ({
      name: replica.name,
      ...(wire === undefined ? {} : wire.perReplica[n]),
      rssBeforeMb: rssBefore[n],
      peakRssMb: peakRss[n],
      cpuMs: cpuAfter[n] - cpuBefore[n],
    })),
    // The backends serving the replicas (through the counters: this process's connections;
    // direct: the first replica's) and PostgreSQL's shared writers; and this process, the
    // counters' parsing included.
    postgresCpuMs: cpu.postgresMs,
    benchCpuMs: cpu.loadMs,
    statementShapes: wire?.statementShapes ?? [],
  };
}

async function runScenario(scenario, context) {
  const { options } = context;
  const rounds = [];
  for (let round = 1; round <= options.rounds; round++) {
    const result = await sweep(context, scenario.replicas, options.registrations);
    rounds.push(result);
    console.log(
      `  ${scenario.name} r${round}: ` +
        (result.sweepMs === undefined
          ? ''
          : `sweep ${result.sweepMs.toFixed(0)} ms (first claim ${result.firstClaimMs.toFixed(0)} ms after due), ` +
            `${result.checksPerSecond.toFixed(0)} checks/s, ${result.statementsPerCheck.toFixed(3)} statements/check, ` +
            `${result.meanHeld.toFixed(0)} claims held on average, `) +
        `checks span ${result.checkedSpanMs.toFixed(0)} ms; ` +
        result.replicas
          .map(
            (replica) =>
              `${replica.name}: ${replica.claimed ?? '?'} claimed, CPU ${replica.cpuMs.toFixed(0)} ms, peak RSS ${replica.peakRssMb.toFixed(0)} MB`,
          )
          .join('; '),
    );
  }
  let profiles = [];
  if (options.profile) {
    for (const replica of scenario.replicas) replica.proc.signal('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const profiled = await sweep(context, scenario.replicas, options.registrations);
    for (const replica of scenario.replicas) replica.proc.signal('SIGUSR2');
    profiles = await Promise.all(
      scenario.replicas.map(async (replica) => {
        const file = await waitForProfile(context.profileDir, context.knownProfiles);
        const summary = summarizeCpuProfile(
          JSON.parse(fs.readFileSync(file, 'utf8')),
          20,
          sourceMapFrames(),
        );
        const keep = path.join(
          resultsDir,
          `${options.label}-${scenario.key}-${replica.name}.cpuprofile`,
        );
        fs.copyFileSync(file, keep);
        return { replica: replica.name, file: path.relative(root, keep), ...summary };
      }),
    );
    console.log(
      `\n${scenario.name}, profiled sweep (not counted): checks span ${profiled.checkedSpanMs.toFixed(0)} ms`,
    );
    for (const profile of profiles) {
      console.log(
        `replica ${profile.replica}: ${profile.busyMs.toFixed(0)} ms busy of ${profile.totalMs.toFixed(0)} ms sampled (${profile.file})`,
      );
      console.log(
        formatTable(
          ['area', 'self ms', '% of busy'],
          profile.areas
            .slice(0, 12)
            .map((row) => [row.area, row.ms.toFixed(0), row.percent.toFixed(1)]),
        ),
      );
      console.log(
        formatTable(
          ['function (self time)', 'area', 'self ms', '% of busy'],
          profile.functions.map((row) => [
            row.name.slice(0, 90),
            row.area,
            row.ms.toFixed(0),
            row.percent.toFixed(1),
          ]),
        ),
      );
      console.log('');
    }
  }
  return { ...scenario, replicas: undefined, rounds, profiles };
}

/**
 * The schedule as it runs day to day: every registration due once per STEADY_INTERVAL_S, their
 * due times spread evenly over it, checks taking no time. What a check costs in statements when
 * the poller claims a few rows at a time and writes small batches (every HEALTH_POLLER_FLUSH_MS),
 * idle claims that find nothing included.
 */
const STEADY_INTERVAL_S = 10;

async function steady(context, replica) {
  const { admin, schema, options } = context;
  const { rowCount } = await admin.query(
    `UPDATE "${schema}"."integrations" AS i
      SET "settings" = jsonb_build_object('latencyMs', 0),
        "health_check_interval_seconds" = $1::integer,
        "next_check_at" = statement_timestamp() + s."slot" * ($1::integer * interval '1 second') / $2::integer
      FROM (SELECT "id", row_number() OVER (ORDER BY "id") - 1 AS "slot"
        FROM "${schema}"."integrations") AS s
      WHERE i."id" = s."id"`,
    [STEADY_INTERVAL_S, options.registrations],
  );
  ownUpdates += rowCount;
  // One interval to settle (every row checked once, the replica's pace found), then measure.
  await new Promise((resolve) => setTimeout(resolve, STEADY_INTERVAL_S * 1000));
  const from = clock();
  const logStart = replica.counter?.log.length ?? 0;
  const cpuBefore = cpuSnapshot(replica.proc.pid).serverMs;
  await new Promise((resolve) => setTimeout(resolve, options.steadySeconds * 1000));
  const to = clock();
  const cpuMs = cpuSnapshot(replica.proc.pid).serverMs - cpuBefore;
  const {
    rows: [{ checks }],
  } = await admin.query(
    `SELECT count(*)::integer AS "checks" FROM "${schema}"."health_history"
      WHERE "checked_at" >= to_timestamp($1::float8 / 1000) AND "checked_at" < to_timestamp($2::float8 / 1000)`,
    [from, to],
  );
  const entries =
    replica.counter?.log.slice(logStart).filter((entry) => entry.at >= from && entry.at < to) ?? [];
  const shapes = new Map();
  for (const entry of entries) {
    const shape = statementShape(entry.sql);
    const row = shapes.get(shape) ?? { shape, count: 0, rows: 0, ms: 0 };
    row.count++;
    row.rows += entry.rows;
    row.ms += (entry.doneAt ?? entry.at) - entry.at;
    shapes.set(shape, row);
  }
  const expected = (options.registrations * options.steadySeconds) / STEADY_INTERVAL_S;
  const result = {
    key: 'steady',
    name: `one replica, due spread over ${STEADY_INTERVAL_S} s, 0 ms checks`,
    seconds: (to - from) / 1000,
    checks,
    expected,
    checksPerSecond: checks / ((to - from) / 1000),
    statements: options.direct ? undefined : entries.length,
    statementsPerCheck: options.direct ? undefined : entries.length / checks,
    cpuMsPerCheck: cpuMs / checks,
    rssMb: readMemory(replica.proc.pid).rssMb,
    statementShapes: [...shapes.values()].sort((a, b) => b.count - a.count),
  };
  console.log(
    `  ${result.name}: ${checks} checks in ${result.seconds.toFixed(1)} s (${expected.toFixed(0)} due), ` +
      `${fixed(result.statementsPerCheck, 3)} statements/check, ${result.cpuMsPerCheck.toFixed(3)} ms CPU/check`,
  );
  return result;
}

/**
 * What the run's checks wrote, from PostgreSQL's statistics: row versions of the integrations
 * table per check (this script's own updates taken out), and how many of the updates were HOT
 * (no index entries written; this script's own may be among them, so the share is an upper
 * bound). A backend reports
 * its counts when it goes idle, at most once a second and otherwise within 10 s, hence the wait.
 */
async function tableWrites(admin, schema) {
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const { rows } = await admin.query(
    `SELECT s."relname" AS "table", s."n_tup_ins"::float8 AS "inserted", s."n_tup_upd"::float8 AS "updated",
        s."n_tup_hot_upd"::float8 AS "hot",
        (SELECT count(*)::integer FROM pg_index AS x WHERE x."indrelid" = s."relid") AS "indexes"
      FROM pg_stat_user_tables AS s
      WHERE s."schemaname" = $1 AND s."relname" IN ('integrations', 'health_history')
      ORDER BY s."relname"`,
    [schema],
  );
  const {
    rows: [{ checks }],
  } = await admin.query(`SELECT count(*)::integer AS "checks" FROM "${schema}"."health_history"`);
  // The poller's own: less what this script wrote (the seed's inserts, its updates).
  return {
    checks,
    tables: rows.map((row) =>
      row.table === 'integrations'
        ? { ...row, inserted: 0, updated: row.updated - ownUpdates, hot: row.hot }
        : row,
    ),
    ownUpdates,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Judged on each scenario's sweeps after its first. The run's first sweep also writes every
 * registration's first health (unknown to healthy, an event each), which a fleet restarting or
 * catching up does not; the first of the others warms up a replica just started or settings
 * just changed.
 */
function judged(result) {
  const steady = result.rounds.length > 1 ? result.rounds.slice(1) : result.rounds;
  return {
    sweepMs: median(steady.map((round) => round.sweepMs)),
    checkedSpanMs: median(steady.map((round) => round.checkedSpanMs)),
    checksPerSecond: median(steady.map((round) => round.checksPerSecond)),
    statementsPerCheck: median(steady.map((round) => round.statementsPerCheck)),
    peakRssMb: Math.max(...steady.flatMap((round) => round.replicas.map((r) => r.peakRssMb))),
    share: steady[0].replicas.map((replica, n) =>
      median(steady.map((round) => (round.replicas[n].claimed ?? Number.NaN) / round.checks)),
    ),
  };
}

async function main() {
  const options = parseOptions();
  const startedAt = new Date();
  process.once('SIGINT', () => {
    cleanUp(options).finally(() => process.exit(130));
  });
  try {
    if (!options.skipBuild) buildService();
    const secret = randomBytes(32).toString('base64url');
    const schema = `bench_sweep_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    created.schema = schema;
    await withClient(options.databaseUrl, (client) => client.query(`CREATE SCHEMA "${schema}"`));
    const profileDir = options.profile
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-sweep-profiles-'))
      : undefined;
    if (profileDir !== undefined) created.dirs.push(profileDir);
    fs.mkdirSync(resultsDir, { recursive: true });
    const replicaOptions = { schema, secret, profileDir };
    const a = await startReplica(options, 'a', replicaOptions);
    const token = hs256Token(secret, { sub: 'bench', tenant: 'bench', scope: 'integrations:read' });
    const type = await inMemoryType(a.url, token);

    const results = await withClient(options.databaseUrl, async (admin) => {
      await seed(admin, schema, type, options.registrations, options.latencyMs);
      const context = { admin, schema, options, profileDir, knownProfiles: new Set() };
      const ideal = (options.registrations * options.latencyMs) / options.concurrency;
      const out = {};
      console.log(
        `${options.registrations} registrations, ${options.latencyMs} ms checks, concurrency ${options.concurrency}: ideal sweep ${ideal.toFixed(0)} ms on one replica`,
      );
      if (options.scenarios.includes('one')) {
        out.one = await runScenario(
          { key: 'one', name: 'one replica', replicas: [a], latencyMs: options.latencyMs },
          context,
        );
      }
      if (options.scenarios.includes('two')) {
        const b = await startReplica(options, 'b', replicaOptions);
        out.two = await runScenario(
          { key: 'two', name: 'two replicas', replicas: [a, b], latencyMs: options.latencyMs },
          context,
        );
        await b.proc.stop();
      }
      if (options.scenarios.includes('zero')) {
        await setLatency(admin, schema, 0);
        out.zero = await runScenario(
          { key: 'zero', name: 'one replica, 0 ms checks', replicas: [a], latencyMs: 0 },
          context,
        );
      }
      if (options.scenarios.includes('steady')) out.steady = await steady(context, a);
      return { ideal, scenarios: out, tables: await tableWrites(admin, schema) };
    });

    const rows = [];
    const verdicts = [];
    const { one, two, zero } = results.scenarios;
    const oneFigures = one === undefined ? undefined : judged(one);
    for (const result of [one, two, zero]) {
      if (result === undefined) continue;
      const figures = judged(result);
      const first = result.rounds[0];
      const goals = [];
      const check = (text, ok) => goals.push({ goal: text, ok });
      if (!options.direct) {
        if (result.key === 'one') {
          const ratio = figures.sweepMs / results.ideal;
          check(
            `sweep <= ${GOALS.sweepOverIdeal}x ideal (${(GOALS.sweepOverIdeal * results.ideal).toFixed(0)} ms): ${fixed(ratio)}x`,
            ratio <= GOALS.sweepOverIdeal,
          );
        } else if (result.key === 'two' && oneFigures !== undefined) {
          const ratio = figures.sweepMs / oneFigures.sweepMs;
          check(
            `sweep <= ${GOALS.twoOverOne}x one replica's: ${fixed(ratio)}x`,
            ratio <= GOALS.twoOverOne,
          );
        }
        check(
          `<= ${GOALS.statementsPerCheck} statements/check`,
          figures.statementsPerCheck <= GOALS.statementsPerCheck,
        );
      }
      const verdict = goals.length === 0 ? 'n/a' : goals.every((goal) => goal.ok) ? 'PASS' : 'MISS';
      verdicts.push({ scenario: result.key, verdict, goals });
      rows.push([
        result.name,
        fixed(figures.sweepMs, 0),
        result.rounds.map((round) => fixed(round.sweepMs, 0)).join(' / '),
        fixed(figures.checkedSpanMs, 0),
        fixed(figures.checksPerSecond, 0),
        fixed(figures.statementsPerCheck, 3),
        fixed(first.statementsPerCheck, 3),
        figures.share
          .map((share) => (Number.isFinite(share) ? `${(100 * share).toFixed(0)}%` : '-'))
          .join(' / '),
        fixed(figures.peakRssMb, 0),
        `${verdict} ${goals.map((goal) => goal.goal).join('; ')}`,
      ]);
    }
    console.log(
      `\nhealth sweep: ${options.registrations} registrations, concurrency ${options.concurrency} per replica${options.direct ? ', direct (no counters)' : ''}; medians of each scenario's sweeps after its first`,
    );
    console.log(
      formatTable(
        [
          'scenario',
          'sweep ms',
          'per round',
          'span ms',
          'checks/s',
          'stmts/check',
          'first sweep',
          'share',
          'peak RSS MB',
          'goals',
        ],
        rows,
      ),
    );
    const { steady: steadyResult } = results.scenarios;
    if (steadyResult !== undefined) {
      const ok = steadyResult.statementsPerCheck <= GOALS.statementsPerCheck;
      const goals = options.direct
        ? []
        : [{ goal: `<= ${GOALS.statementsPerCheck} statements/check`, ok }];
      const verdict = goals.length === 0 ? 'n/a' : ok ? 'PASS' : 'MISS';
      verdicts.push({ scenario: 'steady', verdict, goals });
      console.log(
        `\n${steadyResult.name}: ${steadyResult.checks} checks in ${steadyResult.seconds.toFixed(1)} s ` +
          `(${steadyResult.expected.toFixed(0)} due), ${steadyResult.checksPerSecond.toFixed(0)} checks/s, ` +
          `${fixed(steadyResult.statementsPerCheck, 3)} statements/check, ` +
          `${steadyResult.cpuMsPerCheck.toFixed(3)} ms service CPU/check, RSS ${steadyResult.rssMb.toFixed(0)} MB: ` +
          `${verdict} ${goals.map((goal) => goal.goal).join('; ')}`,
      );
    }
    for (const table of results.tables.tables) {
      console.log(
        `\n${table.table} (${table.indexes} indexes), over the run's ${results.tables.checks} checks: ` +
          `${(table.inserted / results.tables.checks).toFixed(2)} rows inserted and ${(table.updated / results.tables.checks).toFixed(2)} updated per check, ` +
          `${table.updated > 0 ? ((100 * table.hot) / table.updated).toFixed(0) : '-'}% of the updates HOT`,
      );
    }
    const breakdowns = [one, two, zero]
      .filter((result) => result !== undefined)
      .map((result) => {
        const last = result.rounds[result.rounds.length - 1];
        return {
          title: `${result.name}, the last sweep`,
          checks: last.checks,
          shapes: last.statementShapes,
        };
      });
    if (steadyResult !== undefined) {
      breakdowns.push({
        title: steadyResult.name,
        checks: steadyResult.checks,
        shapes: steadyResult.statementShapes,
      });
    }
    for (const { title, checks, shapes } of options.direct ? [] : breakdowns) {
      console.log(`\n${title}: statements (${checks} checks)`);
      console.log(
        formatTable(
          ['statement', 'count', 'per check', 'rows', 'ms in all', 'ms each'],
          shapes
            .slice(0, 10)
            .map((row) => [
              row.shape,
              row.count,
              (row.count / checks).toFixed(4),
              row.rows,
              row.ms.toFixed(0),
              (row.ms / row.count).toFixed(2),
            ]),
        ),
      );
    }

    const serverVersion = await withClient(
      options.databaseUrl,
      async (db) => (await db.query('SHOW server_version')).rows[0].server_version,
    );
    const file = path.join(resultsDir, `${options.label}.json`);
    const cpus = os.cpus();
    const report = {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model,
        loadAverage: os.loadavg(),
        node: process.version,
        postgres: serverVersion,
      },
      options: { ...options, databaseUrl: undefined },
      goals: GOALS,
      idealSweepMs: results.ideal,
      tableWrites: results.tables,
      verdicts,
      scenarios: Object.fromEntries(
        Object.entries(results.scenarios).map(([key, result]) => [
          key,
          key === 'steady'
            ? result
            : {
                name: result.name,
                latencyMs: result.latencyMs,
                figures: judged(result),
                rounds: result.rounds,
                profiles: result.profiles.map(({ functions, areas, ...rest }) => ({
                  ...rest,
                  areas: areas.slice(0, 15),
                  functions,
                })),
              },
        ]),
      ),
    };
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${path.relative(root, file)}`);
  } finally {
    await cleanUp(options);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
