#!/usr/bin/env node
// The listing benchmark: one tenant with 1,000,000 registrations (seeded with SQL), every filter
// and some combinations measured through the built service's HTTP API. See README.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { baselineStatements } from '../api/lib/baseline-statements.mjs';
import { formatTable, percentile } from '../api/lib/bench-stats.mjs';
import { hs256Token } from '../api/lib/hs256-token.mjs';
import {
  SERVICE_BUNDLE,
  benchDatabaseUrl,
  buildService,
  serviceEnvironment,
  withClient,
} from '../api/lib/bench-setup.mjs';
import { freePort, NodeProcess, waitForOk } from '../api/lib/node-process.mjs';
import { LISTING_CASES } from './lib/listing-cases.mjs';
import { quoteIdent, seedStatement } from './lib/seed-sql.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const serviceMain = SERVICE_BUNDLE;
const resultsDir = path.join(here, 'results');

const BIG_TENANT = 'bench-big';
const PAGE_LIMIT = 50;
const TARGET_P50_MS = 50;
const SEED_CHUNK = 100_000;

const HELP = `usage: node tools/bench/listing/run.mjs [options]

  --rows <n>            registrations of the big tenant (BENCH_ROWS, 1000000)
  --other-tenants <n>   other tenants (BENCH_OTHER_TENANTS, 9)
  --other-rows <n>      registrations of each other tenant (BENCH_OTHER_ROWS, 20000)
  --samples <n>         measured requests per case and round, one at a time (BENCH_SAMPLES, 30)
  --warmup <n>          unmeasured requests before each case (BENCH_WARMUP, 3)
  --rounds <n>          rounds over every case (BENCH_ROUNDS, 2)
  --schema <name>       use this schema; seeded only if it has no registrations yet
  --keep-schema         do not drop the schema at the end (to measure again, e.g. after a change)
  --explain             also EXPLAIN (ANALYZE, BUFFERS) each case's statement, into the results
  --label <text>        names the results file: results/<label>.json (default: the start time)
  --skip-build          do not run 'nx build integrations-service' first
  --help

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, loopback only).`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      'other-tenants': { type: 'string' },
      'other-rows': { type: 'string' },
      samples: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      schema: { type: 'string' },
      'keep-schema': { type: 'boolean' },
      explain: { type: 'boolean' },
      label: { type: 'string' },
      'skip-build': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const integer = (flag, envName, fallback, min) => {
    const raw = values[flag] ?? process.env[envName];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${flag} (${envName}) must be an integer >= ${min} (got '${raw}')`);
    }
    return value;
  };
  const databaseUrl = benchDatabaseUrl();
  return {
    databaseUrl,
    rows: integer('rows', 'BENCH_ROWS', 1_000_000, 1),
    otherTenants: integer('other-tenants', 'BENCH_OTHER_TENANTS', 9, 0),
    otherRows: integer('other-rows', 'BENCH_OTHER_ROWS', 20_000, 1),
    samples: integer('samples', 'BENCH_SAMPLES', 30, 1),
    warmup: integer('warmup', 'BENCH_WARMUP', 3, 0),
    rounds: integer('rounds', 'BENCH_ROUNDS', 2, 1),
    schema: values.schema,
    keepSchema: values['keep-schema'] === true,
    explain: values.explain === true,
    label: values.label ?? new Date().toISOString().replaceAll(':', '-'),
    skipBuild: values['skip-build'] === true,
  };
}

/** Everything the run creates, undone at the end whatever happens. */
const created = { schema: undefined, workDir: undefined };

async function cleanUp(options) {
  await NodeProcess.stopAll();
  if (created.schema !== undefined) {
    const schema = created.schema;
    created.schema = undefined;
    await withClient(options.databaseUrl, (client) =>
      client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`),
    );
    console.log(`dropped schema ${schema}`);
  }
  if (created.workDir !== undefined) fs.rmSync(created.workDir, { recursive: true, force: true });
}

async function prepareSchema(options) {
  const schema = options.schema ?? `bench_listing_${Date.now().toString(36)}`;
  const exists = await withClient(options.databaseUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    return found.rowCount > 0;
  });
  if (!options.keepSchema) created.schema = schema;
  console.log(`schema ${schema} (${exists ? 'existing' : 'new'})`);
  return schema;
}

/** The service as built, on `schema`; its migrations run at start (index builds included). */
async function startService(options, schema, secret) {
  const port = await freePort();
  created.workDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'stellaops-listing-bench-'));
  const env = serviceEnvironment({
    port,
    secret,
    dataDir: created.workDir,
    databaseUrl: options.databaseUrl,
    schema,
  });
  const proc = NodeProcess.start(serviceMain, { env, cwd: root, label: 'service' });
  const readyAt = await waitForOk(`http://127.0.0.1:${port}/health/ready`, proc, {
    timeoutMs: 30 * 60_000,
    intervalMs: 50,
  });
  console.log(`service ready in ${((readyAt - proc.startedAt) / 1000).toFixed(1)} s`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function seed(options, schema) {
  await withClient(options.databaseUrl, async (client) => {
    const table = `${quoteIdent(schema)}."integrations"`;
    const { rows } = await client.query(`SELECT count(*)::integer AS n FROM ${table}`);
    if (rows[0].n > 0) {
      console.log(`seed: ${rows[0].n} registrations already there`);
      return;
    }
    await client.query('SELECT setseed(0.42)');
    const started = performance.now();
    const tenants = [
      { tenant: BIG_TENANT, count: options.rows, otherTenant: false },
      ...Array.from({ length: options.otherTenants }, (_, n) => ({
        tenant: `bench-other-${String(n + 1).padStart(2, '0')}`,
        count: options.otherRows,
        otherTenant: true,
      })),
    ];
    for (const { tenant, count, otherTenant } of tenants) {
      const statement = seedStatement(schema, { otherTenant });
      for (let from = 1; from <= count; from += SEED_CHUNK) {
        const to = Math.min(count, from + SEED_CHUNK - 1);
        await client.query(statement, [from, to, tenant]);
      }
      console.log(
        `seed: ${tenant} ${count} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  });
}

/**
 * Statistics and the visibility map as settled tables have them (autovacuum's work): the tags'
 * table too, which the triggers filled during the seed — without its statistics the planner
 * takes a tag on half the tenant for a few dozen rows.
 */
async function vacuumAnalyze(options, schema) {
  await withClient(options.databaseUrl, (client) =>
    client.query(
      `VACUUM (ANALYZE) ${quoteIdent(schema)}."integrations", ${quoteIdent(schema)}."integration_tags"`,
    ),
  );
}

async function sampleIds(options, schema, count) {
  return withClient(options.databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT "id" FROM ${quoteIdent(schema)}."integrations" TABLESAMPLE SYSTEM (1)
        WHERE "tenant_id" = $1 AND "deleted_at" IS NULL LIMIT $2`,
      [BIG_TENANT, count],
    );
    return rows.map((row) => row.id);
  });
}

async function getJson(url, token) {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const ms = performance.now() - started;
  return { ms, status: response.status, body: response.status === 200 ? JSON.parse(text) : text };
}

function listUrl(base, query, cursor) {
  const params = new URLSearchParams({ limit: String(PAGE_LIMIT), ...query });
  if (cursor !== undefined) params.set('cursor', cursor);
  return `${base}/api/v1/integrations?${params}`;
}

async function measureCase(service, token, options, testCase, ids) {
  let items;
  let next;
  if (testCase.name === 'get') {
    next = () =>
      `${service.url}/api/v1/integrations/${ids[Math.floor(Math.random() * ids.length)]}`;
  } else {
    let cursor;
    if (testCase.page === 2) {
      const first = await getJson(listUrl(service.url, testCase.query), token);
      if (first.status !== 200) throw new Error(`the first page answered ${first.status}`);
      cursor = first.body.nextCursor;
    }
    const url = listUrl(service.url, testCase.query, cursor);
    next = () => url;
  }
  for (let n = 0; n < options.warmup; n++) await getJson(next(), token);
  const latencies = [];
  const failures = {};
  for (let n = 0; n < options.samples; n++) {
    const { ms, status, body } = await getJson(next(), token);
    // A failed request (the service's statement timeout answers 503) counts with its time.
    latencies.push(ms);
    if (status !== 200) failures[status] = (failures[status] ?? 0) + 1;
    else items ??= Array.isArray(body.items) ? body.items.length : 1;
  }
  return { latencies, items, failures };
}

function summarize(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), n: sorted.length };
}

/**
 * The list statement and its parameters, as SqlIntegrationRepository.list chooses and binds them,
 * so that EXPLAIN runs the very statement the service sends (lib/baseline-statements.int-spec.ts
 * in the API benchmark checks that the statements are the repository's).
 */
function listStatement(statements, query) {
  const parameters = [
    BIG_TENANT,
    query.type ?? null,
    query.provider ?? null,
    query.status ?? null,
    query.health ?? null,
    query.q ?? null,
    null,
    null,
    PAGE_LIMIT + 1,
  ];
  // The repository's choice: the tag's own walk, or a semi-join when there is a search.
  if (query.tag === undefined) return { text: statements.list, parameters };
  return {
    text: query.q === undefined ? statements.listTagged : statements.listTaggedFiltered,
    parameters: [...parameters, query.tag],
  };
}

async function explainCases(options, schema) {
  const statements = baselineStatements(schema);
  return withClient(options.databaseUrl, async (client) => {
    const plans = [];
    for (const testCase of LISTING_CASES) {
      if (testCase.page !== undefined) continue;
      const { text, parameters } = listStatement(statements, testCase.query);
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, parameters);
      plans.push({ case: testCase.name, plan: rows.map((row) => row['QUERY PLAN']).join('\n') });
    }
    return plans;
  });
}

async function main() {
  const options = parseOptions();
  const startedAt = new Date();
  process.once('SIGINT', () => {
    cleanUp(options).finally(() => process.exit(130));
  });
  try {
    if (!options.skipBuild) buildService();
    const schema = await prepareSchema(options);
    const secret = randomBytes(32).toString('base64url');
    const service = await startService(options, schema, secret);
    await seed(options, schema);
    await vacuumAnalyze(options, schema);
    const ids = await sampleIds(options, schema, 1_000);
    const token = hs256Token(secret, {
      sub: 'bench',
      tenant: BIG_TENANT,
      scope: 'integrations:read',
    });
    const cases = [{ name: 'get', query: {}, expect: 'some' }, ...LISTING_CASES];
    const rounds = new Map(cases.map((testCase) => [testCase.name, []]));
    const items = new Map();
    const failures = new Map();
    for (let round = 1; round <= options.rounds; round++) {
      console.log(`round ${round} of ${options.rounds}`);
      for (const testCase of cases) {
        const result = await measureCase(service, token, options, testCase, ids);
        rounds.get(testCase.name).push(result.latencies);
        if (result.items !== undefined) items.set(testCase.name, result.items);
        const failed = failures.get(testCase.name) ?? {};
        for (const [status, count] of Object.entries(result.failures)) {
          failed[status] = (failed[status] ?? 0) + count;
        }
        failures.set(testCase.name, failed);
        const { p50 } = summarize(result.latencies);
        console.log(`  ${testCase.name.padEnd(48)} p50 ${p50.toFixed(1).padStart(7)} ms`);
      }
    }
    const results = cases.map((testCase) => {
      const perRound = rounds.get(testCase.name).map(summarize);
      const pooled = summarize(rounds.get(testCase.name).flat());
      const itemCount = items.get(testCase.name);
      const asExpected = testCase.expect === 'none' ? itemCount === 0 : itemCount > 0;
      const failedCount = Object.values(failures.get(testCase.name)).reduce((a, b) => a + b, 0);
      return {
        case: testCase.name,
        query: testCase.query,
        items: itemCount,
        asExpected,
        failed: failures.get(testCase.name),
        p50: pooled.p50,
        p95: pooled.p95,
        rounds: perRound,
        verdict: pooled.p50 <= TARGET_P50_MS && failedCount === 0 ? 'PASS' : 'MISS',
      };
    });
    const plans = options.explain ? await explainCases(options, schema) : [];
    const serverVersion = await withClient(
      options.databaseUrl,
      async (client) => (await client.query('SHOW server_version')).rows[0].server_version,
    );
    console.log(
      `\n${options.rows} registrations in ${BIG_TENANT} (+ ${options.otherTenants} x ${options.otherRows}), limit ${PAGE_LIMIT}, ${options.rounds} round(s) x ${options.samples} requests per case, one at a time; target p50 <= ${TARGET_P50_MS} ms`,
    );
    console.log(
      formatTable(
        [
          'case',
          'items',
          ...perRoundHeaders(options.rounds),
          'p50 ms',
          'p95 ms',
          'failed',
          'verdict',
        ],
        results.map((row) => [
          row.case,
          row.asExpected ? row.items : `${row.items} (unexpected)`,
          ...row.rounds.map((round) => round.p50.toFixed(1)),
          row.p50.toFixed(1),
          row.p95.toFixed(1),
          JSON.stringify(row.failed) === '{}' ? '0' : JSON.stringify(row.failed),
          row.verdict,
        ]),
      ),
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
      plans,
    };
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${path.relative(root, file)}`);
  } finally {
    await cleanUp(options);
  }
}

function perRoundHeaders(rounds) {
  return Array.from({ length: rounds }, (_, n) => `r${n + 1} p50`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
