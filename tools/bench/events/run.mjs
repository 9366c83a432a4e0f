#!/usr/bin/env node
// Register throughput across tenants: every registration writes an outbox event in its
// transaction, so this measures how much writers of different tenants wait for each other.
// See README.md.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, percentile } from '../api/lib/bench-stats.mjs';
import { hs256Token } from '../api/lib/hs256-token.mjs';
import {
  SERVICE_BUNDLE,
  benchDatabaseUrl,
  buildService,
  inMemoryType,
  serviceEnvironment,
  withClient,
} from '../api/lib/bench-setup.mjs';
import { freePort, NodeProcess, waitForOk } from '../api/lib/node-process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const defaultServiceMain = SERVICE_BUNDLE;
const resultsDir = path.join(here, 'results');

const HELP = `usage: node tools/bench/events/run.mjs [options]

  --clients <n>       concurrent clients, each registering one at a time (BENCH_CLIENTS, 32)
  --tenants <list>    comma-separated tenant counts the clients are spread over, one scenario
                      each (BENCH_TENANTS, 32,1)
  --duration <s>      measured seconds per round (BENCH_DURATION, 10)
  --warmup <s>        unmeasured seconds before each round (BENCH_WARMUP, 3)
  --rounds <n>        rounds per scenario, alternating the scenarios (BENCH_ROUNDS, 3)
  --label <text>      names the results file: results/<label>.json (default: the start time)
  --service-main <f>  the service's entry point (BENCH_SERVICE_MAIN; default the bundle,
                      apps/integrations-service/dist/bundle/main.js), e.g. to compare builds
  --skip-build        do not run 'nx build integrations-service' first
  --help

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, loopback only).
The run works in a schema of its own and drops it at the end.`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string' },
      tenants: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
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
  const integer = (raw, name, fallback, min) => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`${name} must be an integer >= ${min} (got '${raw}')`);
    }
    return value;
  };
  const databaseUrl = benchDatabaseUrl();
  const clients = integer(values.clients ?? process.env.BENCH_CLIENTS, '--clients', 32, 1);
  const tenants = (values.tenants ?? process.env.BENCH_TENANTS ?? '32,1')
    .split(',')
    .map((text) => integer(text.trim(), '--tenants', 1, 1));
  return {
    databaseUrl,
    clients,
    tenants,
    duration: integer(values.duration ?? process.env.BENCH_DURATION, '--duration', 10, 1),
    warmup: integer(values.warmup ?? process.env.BENCH_WARMUP, '--warmup', 3, 0),
    rounds: integer(values.rounds ?? process.env.BENCH_ROUNDS, '--rounds', 3, 1),
    label: values.label ?? new Date().toISOString().replaceAll(':', '-'),
    serviceMain: path.resolve(
      values['service-main'] ?? process.env.BENCH_SERVICE_MAIN ?? defaultServiceMain,
    ),
    skipBuild: values['skip-build'] === true,
  };
}

const created = { schema: undefined, workDir: undefined };

async function cleanUp(options) {
  await NodeProcess.stopAll();
  if (created.schema !== undefined) {
    const schema = created.schema;
    created.schema = undefined;
    await withClient(options.databaseUrl, (client) =>
      client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
    );
  }
  if (created.workDir !== undefined) fs.rmSync(created.workDir, { recursive: true, force: true });
}

async function startService(options, secret) {
  const schema = `bench_events_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  created.schema = schema;
  await withClient(options.databaseUrl, (client) => client.query(`CREATE SCHEMA "${schema}"`));
  created.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-events-bench-'));
  const port = await freePort();
  const proc = NodeProcess.start(options.serviceMain, {
    env: serviceEnvironment({
      port,
      secret,
      dataDir: created.workDir,
      databaseUrl: options.databaseUrl,
      schema,
    }),
    cwd: root,
    label: 'service',
  });
  await waitForOk(`http://127.0.0.1:${port}/health/ready`, proc);
  return { proc, url: `http://127.0.0.1:${port}` };
}

let registered = 0;

/** One client: registers one integration after another in its tenant until `until`. */
async function client(service, token, type, until, latencies, failures) {
  while (performance.now() < until) {
    const name = `load-${process.pid}-${registered++}`;
    const started = performance.now();
    const response = await fetch(`${service.url}/api/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name,
        type,
        provider: 'in-memory',
        endpoint: `https://in-memory.invalid/${name}`,
        settings: { health: 'healthy' },
        credentials: {},
        // The longest interval keeps any health polling out of the measurement.
        healthCheckIntervalSeconds: 86_400,
        tags: ['bench'],
      }),
    });
    await response.arrayBuffer();
    if (response.status === 201) latencies?.push(performance.now() - started);
    else failures.push(response.status);
  }
}

/**
 * The first key of the outbox's append lock for the bench schema, as the repository derives it
 * (sha256 of the table's name); pg_locks shows it as the lock's classid.
 */
function appendLockClassId(schema) {
  return createHash('sha256')
    .update(`stellaops-integrations:"${schema}"."event_outbox"`)
    .digest()
    .readUInt32BE(0);
}

/**
 * Samples, every 20 ms until `until`, how many of the service's transactions are waiting for the
 * outbox's append lock: the figure the lock's scope decides, whatever else the machine is doing.
 */
async function sampleLockWaits(options, schema, until) {
  const samples = [];
  await withClient(options.databaseUrl, async (db) => {
    while (performance.now() < until) {
      const { rows } = await db.query(
        `SELECT count(*)::integer AS "waiting" FROM pg_locks
          WHERE "locktype" = 'advisory' AND NOT "granted" AND "classid" = $1::oid`,
        [appendLockClassId(schema)],
      );
      samples.push(rows[0].waiting);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  return samples.length === 0 ? 0 : samples.reduce((a, b) => a + b, 0) / samples.length;
}

async function runRound(service, tokens, type, options, seconds, measure) {
  const latencies = measure ? [] : undefined;
  const failures = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  const [lockWaiters] = await Promise.all([
    measure ? sampleLockWaits(options, created.schema, until) : 0,
    ...Array.from({ length: options.clients }, (_, n) =>
      client(service, tokens[n % tokens.length], type, until, latencies, failures),
    ),
  ]);
  return { latencies, failures, lockWaiters, seconds: (performance.now() - started) / 1000 };
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
    const service = await startService(options, secret);
    const tokenFor = (tenant) =>
      hs256Token(secret, { sub: 'bench', tenant, scope: 'integrations:read integrations:write' });
    const type = await inMemoryType(service.url, tokenFor('bench-00'));
    const scenarios = options.tenants.map((tenants) => ({
      name: `${options.clients} clients over ${tenants} tenant(s)`,
      tenants,
      tokens: Array.from({ length: tenants }, (_, n) =>
        tokenFor(`bench-${String(n).padStart(2, '0')}`),
      ),
      rounds: [],
    }));
    for (let round = 1; round <= options.rounds; round++) {
      // Alternating the order spreads a drift (a growing table, other work) over the scenarios.
      const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
      for (const scenario of order) {
        if (options.warmup > 0) {
          await runRound(service, scenario.tokens, type, options, options.warmup, false);
        }
        const result = await runRound(
          service,
          scenario.tokens,
          type,
          options,
          options.duration,
          true,
        );
        const perSecond = result.latencies.length / result.seconds;
        scenario.rounds.push({
          perSecond,
          ok: result.latencies.length,
          failed: result.failures.length,
          seconds: result.seconds,
          lockWaiters: result.lockWaiters,
          latencies: result.latencies,
        });
        console.log(
          `  r${round} ${scenario.name.padEnd(28)} ${perSecond.toFixed(0).padStart(5)} registrations/s, ${result.lockWaiters.toFixed(2)} waiting for the outbox lock` +
            (result.failures.length > 0 ? `  FAILED ${result.failures.length}` : ''),
        );
      }
    }
    const results = scenarios.map((scenario) => {
      const ok = scenario.rounds.reduce((sum, round) => sum + round.ok, 0);
      const seconds = scenario.rounds.reduce((sum, round) => sum + round.seconds, 0);
      const pooled = Float64Array.from(scenario.rounds.flatMap((round) => round.latencies)).sort();
      return {
        scenario: scenario.name,
        clients: options.clients,
        tenants: scenario.tenants,
        perSecond: ok / seconds,
        p50: percentile(pooled, 50),
        p99: percentile(pooled, 99),
        failed: scenario.rounds.reduce((sum, round) => sum + round.failed, 0),
        lockWaiters:
          scenario.rounds.reduce((sum, round) => sum + round.lockWaiters, 0) /
          scenario.rounds.length,
        rounds: scenario.rounds.map(({ latencies, ...round }) => {
          const sorted = Float64Array.from(latencies).sort();
          return { ...round, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
        }),
      };
    });
    console.log(
      `\nregister throughput: ${options.clients} clients, ${options.rounds} round(s) x ${options.duration} s (after ${options.warmup} s warm-up each)`,
    );
    console.log(
      formatTable(
        [
          'scenario',
          'registrations/s',
          'per round',
          'p50 ms',
          'p99 ms',
          'waiting for lock',
          'failed',
        ],
        results.map((row) => [
          row.scenario,
          row.perSecond.toFixed(0),
          row.rounds.map((round) => round.perSecond.toFixed(0)).join(' / '),
          row.p50.toFixed(1),
          row.p99.toFixed(1),
          row.lockWaiters.toFixed(2),
          row.failed,
        ]),
      ),
    );
    const serverVersion = await withClient(
      options.databaseUrl,
      async (db) => (await db.query('SHOW server_version')).rows[0].server_version,
    );
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${options.label}.json`);
    const report = {
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: os.cpus().length,
        loadAverage: os.loadavg(),
        node: process.version,
        postgres: serverVersion,
      },
      options: { ...options, databaseUrl: undefined },
      results,
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
