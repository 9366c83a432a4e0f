#!/usr/bin/env node
// The embedded default: time to ready and memory of the service's process tree (the service,
// the database watchdog, the PostgreSQL server and its backends) on a fresh and on an existing
// data folder; and, beside it, the candidates measured alone (PGlite fresh / from a template /
// existing, and the embedded PostgreSQL). See README.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { SERVICE_BUNDLE } from '../api/lib/bench-setup.mjs';
import { NodeProcess, freePort, waitForOk } from '../api/lib/node-process.mjs';
import { treeMemory } from './lib/process-tree.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const serviceMain = SERVICE_BUNDLE;
const GOALS = { freshMs: 2500, existingMs: 1200, freshMb: 300, existingMb: 250 };

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    requests: { type: 'string', default: '200' },
    'skip-build': { type: 'boolean', default: false },
    'skip-candidates': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const requests = Number(values.requests);

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function startService(dataDir) {
  const port = await freePort();
  const proc = NodeProcess.start(serviceMain, {
    cwd: root,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    label: 'service',
  });
  const readyAt = await waitForOk(`http://127.0.0.1:${port}/health/ready`, proc, { intervalMs: 5 });
  const atReady = treeMemory(proc.pid);
  let token;
  for (let i = 0; i < 100 && token === undefined; i++) {
    token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(proc.output())?.[1];
    if (token === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { proc, port, readyMs: readyAt - proc.startedAt, token, atReady };
}

/** Some ordinary traffic, so the memory figure is the service at work, not just booted. */
async function exercise(service, label) {
  const base = `http://127.0.0.1:${service.port}/api/v1/integrations`;
  const headers = { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' };
  for (let i = 0; i < requests; i++) {
    const response =
      i % 2 === 0
        ? await fetch(base, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              name: `${label}-${i}`,
              type: 'scm',
              provider: 'in-memory',
              endpoint: 'https://scm.example.test',
              settings: {},
              credentials: {},
            }),
          })
        : await fetch(`${base}?limit=50`, { headers });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`${response.status} from the service`);
  }
  return treeMemory(service.proc.pid);
}

async function stop(service) {
  const exit = await service.proc.stop();
  if (exit.code !== 0) throw new Error(`the service exited with ${exit.code ?? exit.signal}`);
}

async function measureService() {
  const fresh = [];
  const existing = [];
  for (let run = 0; run < runs; run++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-embedded-'));
    try {
      const first = await startService(dataDir);
      const afterWork = await exercise(first, `run${run}`);
      fresh.push({ readyMs: first.readyMs, atReady: first.atReady, afterWork });
      await stop(first);
      const again = await startService(dataDir);
      const againWork = await exercise(again, `again${run}`);
      existing.push({ readyMs: again.readyMs, atReady: again.atReady, afterWork: againWork });
      await stop(again);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    console.log(
      `  run ${run + 1}: fresh ${fresh.at(-1).readyMs.toFixed(0)} ms, existing ${existing.at(-1).readyMs.toFixed(0)} ms`,
    );
  }
  const summary = (list) => ({
    readyMsMedian: median(list.map((r) => r.readyMs)),
    readyMsMax: Math.max(...list.map((r) => r.readyMs)),
    atReadyPssMb: median(list.map((r) => r.atReady.pssMb)),
    atReadyRssSumMb: median(list.map((r) => r.atReady.rssMb)),
    afterWorkPssMb: median(list.map((r) => r.afterWork.pssMb)),
    afterWorkRssSumMb: median(list.map((r) => r.afterWork.rssMb)),
    processes: list.at(-1).afterWork.processes,
  });
  return { fresh: summary(fresh), existing: summary(existing) };
}

function runJson(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

async function measureCandidates() {
  const pglite = path.join(here, 'lib', 'pglite-candidate.mjs');
  const rows = {
    pgliteFresh: [],
    pgliteTemplate: [],
    pgliteExisting: [],
    postgresFresh: [],
    postgresExisting: [],
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-candidates-'));
  // As root the embedded server runs as another account, which must reach its folders.
  fs.chmodSync(work, 0o755);
  try {
    const template = path.join(work, 'template.tar');
    runJson([pglite, path.join(work, 'template-source'), '', template]);
    const { EmbeddedPostgres } = await import(
      path.join(root, 'libs', 'persistence', 'dist', 'lib', 'embedded', 'embedded-postgres.js')
    );
    for (let run = 0; run < Math.min(runs, 3); run++) {
      const dir = path.join(work, `pglite-${run}`);
      rows.pgliteFresh.push(runJson([pglite, dir]));
      rows.pgliteExisting.push(runJson([pglite, dir]));
      rows.pgliteTemplate.push(runJson([pglite, path.join(work, `pglite-t-${run}`), template]));
      const pgDir = path.join(work, `pg-${run}`);
      fs.mkdirSync(pgDir, { mode: 0o755 });
      for (const target of [rows.postgresFresh, rows.postgresExisting]) {
        const started = performance.now();
        const server = await EmbeddedPostgres.start({
          clusterDir: path.join(pgDir, 'cluster'),
          socketDir: path.join(pgDir, 'run'),
        });
        const readyMs = performance.now() - started;
        const serverPid = Number(
          fs.readFileSync(path.join(pgDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
        );
        target.push({ readyMs, rssMb: treeMemory(serverPid).pssMb });
        await server.stop();
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return Object.fromEntries(
    Object.entries(rows).map(([name, list]) => [
      name,
      {
        readyMsMedian: median(list.map((r) => r.readyMs)),
        memoryMb: median(list.map((r) => r.rssMb)),
      },
    ]),
  );
}

if (!values['skip-build']) {
  const build = spawnSync(
    path.join(root, 'node_modules', '.bin', 'nx'),
    ['run-many', '-t', 'build', '--outputStyle=static'],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    },
  );
  if (build.status !== 0) process.exit(1);
}
console.log(
  `node ${process.version}, ${os.cpus().length} cores; ${runs} runs, ${requests} requests after each start`,
);
const service = await measureService();
const candidates = values['skip-candidates'] ? undefined : await measureCandidates();
const verdict = (value, goal) =>
  `${value.toFixed(0)} (goal ${goal}${value <= goal ? ', met' : `, missed by ${(value - goal).toFixed(0)}`})`;
console.log('\nservice (bundle), embedded PostgreSQL, medians:');
for (const [name, s, goalMs, goalMb] of [
  ['fresh data folder', service.fresh, GOALS.freshMs, GOALS.freshMb],
  ['existing data folder', service.existing, GOALS.existingMs, GOALS.existingMb],
]) {
  console.log(
    `  ${name}: ready ${verdict(s.readyMsMedian, goalMs)} ms (max ${s.readyMsMax.toFixed(0)}); tree PSS at ready ${verdict(s.atReadyPssMb, goalMb)} MB, after ${requests} requests ${s.afterWorkPssMb.toFixed(0)} MB (RSS summed: ${s.atReadyRssSumMb.toFixed(0)} / ${s.afterWorkRssSumMb.toFixed(0)} MB)`,
  );
}
if (candidates) {
  console.log('\ncandidates alone (engine start to first answer; memory of the engine):');
  for (const [name, c] of Object.entries(candidates)) {
    console.log(`  ${name}: ${c.readyMsMedian.toFixed(0)} ms, ${c.memoryMb.toFixed(0)} MB`);
  }
}
const file = path.join(here, 'results', 'latest.json');
fs.writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, requests, goals: GOALS, service, candidates }, null, 2)}\n`,
);
console.log(`\nwritten to ${path.relative(root, file)}`);
