#!/usr/bin/env node
// The API benchmark: the built service against a bare Fastify + pg server running the same SQL,
// on real PostgreSQL with 10,000 registrations, plus cold-start time and memory. See README.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { compare, fixed, formatTable, summarizeRounds } from './lib/bench-stats.mjs';
import {
  SERVICE_BUNDLE,
  benchDatabaseUrl,
  buildService,
  inMemoryType,
  serviceEnvironment,
  withClient,
} from './lib/bench-setup.mjs';
import { cpuDelta, cpuSnapshot } from './lib/cpu-usage.mjs';
import { hs256Token } from './lib/hs256-token.mjs';
import { freePort, NodeProcess, readMemory, waitForOk } from './lib/node-process.mjs';
import { runLoad } from './lib/run-load.mjs';
import { sourceMapFrames } from './lib/source-map-frames.mjs';
import { summarizeCpuProfile } from './lib/summarize-cpu-profile.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const defaultServiceMain = SERVICE_BUNDLE;
const baselineMain = path.join(here, 'baseline-server.mjs');
const profilePreload = path.join(here, 'cpu-profile-preload.cjs');

const TENANT = 'bench';
const SCOPES = 'integrations:read integrations:write integrations:operate';
const SCENARIOS = ['list', 'get', 'register'];
/** The targets at 32 connections; register is measured, with no target set. */
const TARGETS = {
  list: { minThroughputRatio: 0.8, maxP99Ratio: 1.5 },
  get: { minThroughputRatio: 0.7, maxP99Ratio: 1.5 },
};
const COLD_START_TARGET = { maxMs: 1_000, maxRssMb: 150 };

const HELP = `usage: node tools/bench/api/run.mjs [options]

  --duration <s>          measured seconds per round and server (BENCH_DURATION, 10)
  --warmup <s>            warm-up seconds before every round (BENCH_WARMUP, 3)
  --rounds <n>            rounds per scenario, alternating the servers (BENCH_ROUNDS, 3)
  --connections <n>       autocannon connections (BENCH_CONNECTIONS, 32)
  --registrations <n>     registrations seeded before measuring (BENCH_REGISTRATIONS, 10000)
  --scenarios <list>      comma-separated: list,get,register (BENCH_SCENARIOS, all); 'none' skips
  --cold-start-runs <n>   cold starts per case, 0 to skip (BENCH_COLD_START_RUNS, 3)
  --service-env K=V       extra environment for the service (repeatable)
  --service-main <file>   the service's entry point (BENCH_SERVICE_MAIN; default the bundle,
                          apps/integrations-service/dist/bundle/main.js), e.g. to compare builds
  --profile               instead of the comparison, CPU-profile both servers for one round of
                          each scenario and print where the time goes
  --skip-build            do not run 'nx build integrations-service' first
  --help

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Every schema
the run creates is dropped at the end.`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      registrations: { type: 'string' },
      scenarios: { type: 'string' },
      'cold-start-runs': { type: 'string' },
      'service-env': { type: 'string', multiple: true },
      'service-main': { type: 'string' },
      profile: { type: 'boolean' },
      'skip-build': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const number = (flag, envName, fallback, min) => {
    const raw = values[flag] ?? process.env[envName];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) {
      throw new Error(`--${flag} (${envName}) must be a number >= ${min} (got '${raw}')`);
    }
    return value;
  };
  const scenarioText = values.scenarios ?? process.env.BENCH_SCENARIOS ?? SCENARIOS.join(',');
  const scenarios =
    scenarioText === 'none' ? [] : scenarioText.split(',').map((name) => name.trim());
  for (const name of scenarios) {
    if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario '${name}'`);
  }
  const serviceEnv = {};
  for (const pair of values['service-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--service-env takes KEY=VALUE (got '${pair}')`);
    serviceEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    databaseUrl: benchDatabaseUrl(),
    duration: number('duration', 'BENCH_DURATION', 10, 1),
    warmup: number('warmup', 'BENCH_WARMUP', 3, 0),
    rounds: Math.round(number('rounds', 'BENCH_ROUNDS', 3, 1)),
    connections: Math.round(number('connections', 'BENCH_CONNECTIONS', 32, 1)),
    registrations: Math.round(number('registrations', 'BENCH_REGISTRATIONS', 10_000, 1)),
    scenarios,
    coldStartRuns: Math.round(number('cold-start-runs', 'BENCH_COLD_START_RUNS', 3, 0)),
    serviceEnv,
    serviceMain: path.resolve(
      values['service-main'] ?? process.env.BENCH_SERVICE_MAIN ?? defaultServiceMain,
    ),
    profile: values.profile === true,
    skipBuild: values['skip-build'] === true,
  };
}

/** Everything the run creates, undone at the end whatever happens. */
const created = { schemas: new Set(), workDir: undefined };

function workDir() {
  created.workDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-api-bench-'));
  return created.workDir;
}

async function createSchema(databaseUrl, prefix) {
  const schema = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  created.schemas.add(schema);
  await withClient(databaseUrl, (client) => client.query(`CREATE SCHEMA "${schema}"`));
  return schema;
}

async function dropSchema(databaseUrl, schema) {
  await withClient(databaseUrl, (client) =>
    client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  );
  created.schemas.delete(schema);
}

async function cleanUp(databaseUrl) {
  await NodeProcess.stopAll();
  for (const schema of [...created.schemas]) {
    try {
      await dropSchema(databaseUrl, schema);
    } catch (error) {
      console.error(`could not drop schema ${schema}: ${error.message}`);
    }
  }
  if (created.workDir !== undefined) {
    fs.rmSync(created.workDir, { recursive: true, force: true });
    created.workDir = undefined;
  }
}

async function startService(options, secret, { schema, dataDir, profileDir }) {
  const port = await freePort();
  const env = serviceEnvironment({
    port,
    secret,
    dataDir,
    databaseUrl: options.databaseUrl,
    schema,
    extra: options.serviceEnv,
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
    label: 'service',
  });
  const readyAt = await waitForOk(`http://127.0.0.1:${port}/health/ready`, proc);
  return { proc, port, url: `http://127.0.0.1:${port}`, readyMs: readyAt - proc.startedAt };
}

async function startBaseline(options, schema, profileDir) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    DATABASE_SCHEMA: schema,
    BENCH_TENANT: TENANT,
  };
  const nodeArgs = [];
  if (profileDir !== undefined) {
    env.BENCH_CPU_PROFILE_DIR = profileDir;
    nodeArgs.push('--require', profilePreload);
  }
  const proc = NodeProcess.start(baselineMain, { env, nodeArgs, cwd: root, label: 'baseline' });
  await waitForOk(`http://127.0.0.1:${port}/health`, proc);
  return { proc, port, url: `http://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// Cold start

async function measureStart(options, secret, label, where) {
  const started = await startService(options, secret, where);
  const memory = readMemory(started.proc.pid);
  await started.proc.stop();
  const exit = started.proc.exit;
  const clean = exit.code === 0 || exit.signal === 'SIGTERM';
  if (!clean) {
    console.warn(`  ${label}: the service did not stop cleanly (${exit.code ?? exit.signal})`);
  }
  console.log(
    `  ${label}: ready in ${started.readyMs.toFixed(0)} ms, RSS ${memory.rssMb.toFixed(0)} MB (peak ${memory.peakRssMb.toFixed(0)} MB)`,
  );
  return { case: label, ms: started.readyMs, rssMb: memory.rssMb, peakRssMb: memory.peakRssMb };
}

async function measureColdStarts(options, secret) {
  console.log(
    `\ncold start: spawn -> first 200 from /health/ready (polled every 10 ms), ${options.coldStartRuns} run(s) per case`,
  );
  const samples = [];
  for (let run = 1; run <= options.coldStartRuns; run++) {
    const schema = await createSchema(options.databaseUrl, 'bench_cold');
    const pgDataDir = fs.mkdtempSync(path.join(workDir(), 'pg-data-'));
    samples.push(
      await measureStart(options, secret, 'postgres, fresh schema (migrations run)', {
        schema,
        dataDir: pgDataDir,
      }),
      await measureStart(options, secret, 'postgres, migrated schema', {
        schema,
        dataDir: pgDataDir,
      }),
    );
    await dropSchema(options.databaseUrl, schema);

    // The service's own RSS only; tools/bench/embedded measures the whole process tree.
    const embeddedDir = fs.mkdtempSync(path.join(workDir(), 'embedded-'));
    fs.chmodSync(embeddedDir, 0o755);
    samples.push(
      await measureStart(options, secret, 'embedded, fresh data dir', { dataDir: embeddedDir }),
      await measureStart(options, secret, 'embedded, existing data dir', { dataDir: embeddedDir }),
    );
    fs.rmSync(embeddedDir, { recursive: true, force: true });
  }
  const cases = [...new Set(samples.map((sample) => sample.case))];
  return cases.map((name) => {
    const of = samples.filter((sample) => sample.case === name);
    const ms = median(of.map((sample) => sample.ms));
    const rssMb = median(of.map((sample) => sample.rssMb));
    const onPostgres = name.startsWith('postgres');
    let verdict = 'n/a';
    if (onPostgres) {
      verdict =
        ms <= COLD_START_TARGET.maxMs && rssMb <= COLD_START_TARGET.maxRssMb ? 'PASS' : 'MISS';
    }
    return {
      case: name,
      runs: of.length,
      medianMs: ms,
      maxMs: Math.max(...of.map((sample) => sample.ms)),
      medianRssMb: rssMb,
      maxRssMb: Math.max(...of.map((sample) => sample.rssMb)),
      maxPeakRssMb: Math.max(...of.map((sample) => sample.peakRssMb)),
      verdict,
      samples: of,
    };
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function printColdStarts(coldStart) {
  console.log(
    `\nCold start (target on PostgreSQL: <= ${COLD_START_TARGET.maxMs} ms and <= ${COLD_START_TARGET.maxRssMb} MB RSS, judged on the median)`,
  );
  console.log(
    formatTable(
      [
        'case',
        'runs',
        'median ms',
        'max ms',
        'median RSS MB',
        'max RSS MB',
        'peak RSS MB',
        'verdict',
      ],
      coldStart.map((row) => [
        row.case,
        row.runs,
        row.medianMs.toFixed(0),
        row.maxMs.toFixed(0),
        row.medianRssMb.toFixed(0),
        row.maxRssMb.toFixed(0),
        row.maxPeakRssMb.toFixed(0),
        row.verdict,
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Seeding and scenarios

async function http(url, { method = 'GET', token, body } = {}) {
  const headers = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

function draft(type, name) {
  return {
    name,
    type,
    provider: 'in-memory',
    endpoint: `https://in-memory.invalid/${name}`,
    settings: { health: 'healthy' },
    credentials: {},
    // The longest interval keeps the health poller's background work out of the measurement.
    healthCheckIntervalSeconds: 86_400,
    tags: ['bench'],
  };
}

/** Registers `count` integrations through the service's own POST route, `concurrency` at a time. */
async function seed(service, token, type, count, concurrency) {
  const ids = new Array(count);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const name = `bench-${String(index).padStart(6, '0')}`;
      const response = await http(`${service.url}/api/v1/integrations`, {
        method: 'POST',
        token,
        body: draft(type, name),
      });
      if (response.status !== 201) {
        throw new Error(`seeding ${name}: POST answered ${response.status}: ${response.text}`);
      }
      ids[index] = response.json.id;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { ids, seconds, perSecond: count / seconds };
}

function scenarioRequests(scenario, { ids, type, label }) {
  if (scenario === 'list') {
    return [{ method: 'GET', path: '/api/v1/integrations?limit=100' }];
  }
  if (scenario === 'get') {
    return [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          path: `/api/v1/integrations/${ids[Math.floor(Math.random() * ids.length)]}`,
        }),
      },
    ];
  }
  let counter = 0;
  return [
    {
      method: 'POST',
      path: '/api/v1/integrations',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify(draft(type, `load-${label}-${String(counter++).padStart(7, '0')}`)),
      }),
    },
  ];
}

/**
 * Both servers must answer the same requests with the same JSON, or the comparison would measure
 * different work. Differences are reported, not fatal: the figures still say something.
 */
async function compareAnswers(service, baseline, token, ids) {
  const differences = [];
  const pairs = [
    ['list', '/api/v1/integrations?limit=100'],
    ['get', `/api/v1/integrations/${ids[0]}`],
  ];
  for (const [name, route] of pairs) {
    const fromService = await http(`${service.url}${route}`, { token });
    const fromBaseline = await http(`${baseline.url}${route}`);
    if (fromService.status !== 200 || fromBaseline.status !== 200) {
      differences.push(`${name}: status ${fromService.status} vs ${fromBaseline.status}`);
      continue;
    }
    for (const difference of diffJson(fromService.json, fromBaseline.json, name)) {
      differences.push(difference);
    }
  }
  return differences;
}

function diffJson(left, right, at) {
  if (typeof left !== typeof right || Array.isArray(left) !== Array.isArray(right)) {
    return [`${at}: ${JSON.stringify(left)} vs ${JSON.stringify(right)}`.slice(0, 300)];
  }
  if (left === null || right === null || typeof left !== 'object') {
    return left === right ? [] : [`${at}: ${JSON.stringify(left)} vs ${JSON.stringify(right)}`];
  }
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  const out = [];
  for (const key of keys) {
    out.push(...diffJson(left[key], right[key], `${at}.${key}`));
    if (out.length >= 10) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The comparison

async function measureRound(target, scenario, options, context, round) {
  const requests = scenarioRequests(scenario, { ...context, label: `${target.name}-r${round}` });
  const common = { url: target.url, connections: options.connections, headers: target.headers };
  if (options.warmup > 0) {
    const warm = scenarioRequests(scenario, { ...context, label: `${target.name}-w${round}` });
    await runLoad({ ...common, seconds: options.warmup, requests: warm });
  }
  const before = cpuSnapshot(target.proc.pid);
  const result = await runLoad({ ...common, seconds: options.duration, requests });
  const cpu = await cpuDelta(before, cpuSnapshot(target.proc.pid), {
    serverPid: target.proc.pid,
    admin: context.admin,
    postgresPort: Number(new URL(options.databaseUrl).port || 5432),
  });
  const failed = result.non2xx + result.errors;
  console.log(
    `  ${scenario} r${round} ${target.name.padEnd(8)} ${(result.ok / result.seconds).toFixed(0).padStart(6)} req/s` +
      (failed > 0 ? `  FAILED ${failed} ${JSON.stringify(result.statuses)}` : ''),
  );
  return { ...result, cpu };
}

function cpuPerRequest(rounds) {
  const ok = rounds.reduce((sum, round) => sum + round.ok, 0);
  const total = (key) => rounds.reduce((sum, round) => sum + round.cpu[key], 0);
  const us = (key) => (ok > 0 ? (1000 * total(key)) / ok : Number.NaN);
  return { serverUs: us('serverMs'), postgresUs: us('postgresMs'), loadUs: us('loadMs') };
}

async function compareScenario(scenario, options, context, targets) {
  const rounds = { service: [], baseline: [] };
  for (let round = 1; round <= options.rounds; round++) {
    // ABBA order: a drift over the run (a growing table, a warming cache) hits both alike.
    const order =
      round % 2 === 1 ? [targets.service, targets.baseline] : [targets.baseline, targets.service];
    for (const target of order) {
      rounds[target.name].push(await measureRound(target, scenario, options, context, round));
    }
  }
  const service = { ...summarizeRounds(rounds.service), cpu: cpuPerRequest(rounds.service) };
  const baseline = { ...summarizeRounds(rounds.baseline), cpu: cpuPerRequest(rounds.baseline) };
  return {
    scenario,
    // The 1, 5 and 15-minute load averages at the end: other work on the machine moves figures.
    loadAverageAfter: os.loadavg(),
    service,
    baseline,
    target: TARGETS[scenario],
    comparison: compare(service, baseline, TARGETS[scenario]),
  };
}

function printComparison(options, benchmark) {
  console.log(
    `\nAPI benchmark: ${options.connections} connections, ${options.rounds} round(s) x ${options.duration} s per server (after ${options.warmup} s warm-up each), ${options.registrations} registrations seeded`,
  );
  const rows = [];
  for (const result of benchmark.scenarios) {
    for (const name of ['service', 'baseline']) {
      const figures = result[name];
      rows.push([
        result.scenario,
        name,
        figures.reqPerSec.toFixed(0),
        figures.p50.toFixed(2),
        figures.p99.toFixed(2),
        String(figures.non2xx + figures.errors),
        figures.cpu.serverUs.toFixed(0),
        figures.cpu.postgresUs.toFixed(0),
        figures.cpu.loadUs.toFixed(0),
      ]);
    }
  }
  console.log(
    formatTable(
      [
        'scenario',
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'failed',
        'server CPU us/req',
        'postgres CPU us/req',
        'autocannon CPU us/req',
      ],
      rows,
    ),
  );
  console.log('');
  console.log(
    formatTable(
      ['scenario', 'req/s ratio', 'p50 ratio', 'p99 ratio', 'target', 'verdict'],
      benchmark.scenarios.map(({ scenario, target, comparison }) => [
        scenario,
        `${fixed(comparison.throughputRatio)}x`,
        `${fixed(comparison.p50Ratio)}x`,
        `${fixed(comparison.p99Ratio)}x`,
        target === undefined
          ? 'none'
          : `req/s >= ${target.minThroughputRatio}x, p99 <= ${target.maxP99Ratio}x`,
        comparison.misses.length > 0
          ? `${comparison.verdict} (${comparison.misses.join('; ')})`
          : comparison.verdict,
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Profiling

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

async function profileScenario(scenario, options, context, target, profileDir, known) {
  const common = { url: target.url, connections: options.connections, headers: target.headers };
  if (options.warmup > 0) {
    const warm = scenarioRequests(scenario, { ...context, label: `${target.name}-pw` });
    await runLoad({ ...common, seconds: options.warmup, requests: warm });
  }
  target.proc.signal('SIGUSR2');
  // Let the profiler attach before the load starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const requests = scenarioRequests(scenario, { ...context, label: `${target.name}-p` });
  const result = await runLoad({ ...common, seconds: options.duration, requests });
  target.proc.signal('SIGUSR2');
  const file = await waitForProfile(profileDir, known);
  const summary = summarizeCpuProfile(
    JSON.parse(fs.readFileSync(file, 'utf8')),
    25,
    sourceMapFrames(),
  );
  const keep = path.join(here, 'results', `${scenario}-${target.name}.cpuprofile`);
  fs.copyFileSync(file, keep);
  console.log(
    `\n${scenario} on the ${target.name} (profiled): ${(result.ok / result.seconds).toFixed(0)} req/s; ` +
      `${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled; profile: ${path.relative(root, keep)}`,
  );
  console.log(
    formatTable(
      ['area', 'self ms', '% of busy'],
      summary.areas
        .slice(0, 15)
        .map((row) => [row.area, row.ms.toFixed(0), row.percent.toFixed(1)]),
    ),
  );
  console.log('');
  console.log(
    formatTable(
      ['function (self time)', 'area', 'self ms', '% of busy'],
      summary.functions.map((row) => [
        row.name.slice(0, 100),
        row.area,
        row.ms.toFixed(0),
        row.percent.toFixed(1),
      ]),
    ),
  );
  return { scenario, server: target.name, reqPerSec: result.ok / result.seconds, ...summary };
}

// ---------------------------------------------------------------------------------------------

async function benchmark(options, secret) {
  const schema = await createSchema(options.databaseUrl, 'bench_api');
  const profileDir = options.profile
    ? fs.mkdtempSync(path.join(workDir(), 'profiles-'))
    : undefined;
  console.log(`\nschema ${schema}: starting the service (migrations run)`);
  const service = await startService(options, secret, {
    schema,
    dataDir: fs.mkdtempSync(path.join(workDir(), 'service-data-')),
    profileDir,
  });
  const token = hs256Token(secret, { sub: 'bench', tenant: TENANT, scope: SCOPES });
  const type = await inMemoryType(service.url, token);

  console.log(
    `seeding ${options.registrations} registrations through POST /api/v1/integrations (${options.connections} at a time)`,
  );
  const seeded = await seed(service, token, type, options.registrations, options.connections);
  console.log(
    `seeded in ${seeded.seconds.toFixed(1)} s (${seeded.perSecond.toFixed(0)} registrations/s)`,
  );

  const baseline = await startBaseline(options, schema, profileDir);
  const differences = await compareAnswers(service, baseline, token, seeded.ids);
  if (differences.length > 0) {
    console.warn(`the two servers' answers differ:\n  ${differences.join('\n  ')}`);
  } else {
    console.log('the service and the baseline answer list and get with the same JSON');
  }

  const context = { ids: seeded.ids, type };
  const targets = {
    service: {
      name: 'service',
      url: service.url,
      proc: service.proc,
      headers: { authorization: `Bearer ${token}` },
    },
    baseline: { name: 'baseline', url: baseline.url, proc: baseline.proc, headers: {} },
  };
  const result = {
    schema,
    seeding: {
      via: 'POST /api/v1/integrations',
      count: options.registrations,
      seconds: seeded.seconds,
      perSecond: seeded.perSecond,
    },
    answerDifferences: differences,
    scenarios: [],
    profiles: [],
  };
  if (options.profile) {
    const known = new Set();
    for (const scenario of options.scenarios) {
      for (const target of [targets.service, targets.baseline]) {
        result.profiles.push(
          await profileScenario(scenario, options, context, target, profileDir, known),
        );
      }
    }
  } else {
    console.log('');
    await withClient(options.databaseUrl, async (admin) => {
      for (const scenario of options.scenarios) {
        result.scenarios.push(
          await compareScenario(scenario, options, { ...context, admin }, targets),
        );
      }
    });
    printComparison(options, result);
  }
  await baseline.proc.stop();
  await service.proc.stop();
  await dropSchema(options.databaseUrl, schema);
  return result;
}

async function postgresVersion(databaseUrl) {
  return withClient(
    databaseUrl,
    async (client) => (await client.query('SHOW server_version')).rows[0].server_version,
  );
}

/** Formatted as the repository's Prettier would, so that a committed latest.json passes its check. */
async function writeResults(results) {
  const dir = path.join(here, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}${results.options.profile ? '-profile' : ''}.json`);
  const text = await prettier.format(JSON.stringify(results), {
    ...(await prettier.resolveConfig(file)),
    parser: 'json',
  });
  fs.writeFileSync(file, text);
  // latest.json holds the figures of the service as built and configured by default only.
  const { profile, serviceMain, serviceEnv } = results.options;
  const experiment =
    path.resolve(root, serviceMain) !== defaultServiceMain || Object.keys(serviceEnv).length > 0;
  if (!profile && !experiment) fs.writeFileSync(path.join(dir, 'latest.json'), text);
  console.log(`\nresults: ${path.relative(root, file)}`);
}

async function main() {
  const options = parseOptions();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping the servers and dropping the schemas`);
      cleanUp(options.databaseUrl).finally(() => process.exit(130));
    });
  }
  try {
    if (!options.skipBuild) buildService();
    if (!fs.existsSync(options.serviceMain))
      throw new Error(`${options.serviceMain} is missing: build the service first`);
    const secret = randomBytes(32).toString('hex');
    const cpus = os.cpus();
    const results = {
      startedAt: new Date().toISOString(),
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        loadAverage: os.loadavg(),
        node: process.version,
        postgres: await postgresVersion(options.databaseUrl),
      },
      options: {
        ...options,
        databaseUrl: undefined,
        serviceMain: path.relative(root, options.serviceMain),
      },
      coldStart: [],
      benchmark: undefined,
    };
    console.log(
      `machine: ${cpus.length} CPU(s) ${cpus[0]?.model ?? ''}, load average ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}; ` +
        `node ${process.version}; PostgreSQL ${results.machine.postgres}. autocannon, both servers and PostgreSQL share these CPUs.`,
    );
    if (options.coldStartRuns > 0 && !options.profile) {
      results.coldStart = await measureColdStarts(options, secret);
    }
    if (options.scenarios.length > 0) results.benchmark = await benchmark(options, secret);
    if (results.coldStart.length > 0) printColdStarts(results.coldStart);
    await writeResults(results);
  } finally {
    if (!interrupted) await cleanUp(options.databaseUrl);
  }
}

main().catch((error) => {
  console.error(
    `\nthe benchmark failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
