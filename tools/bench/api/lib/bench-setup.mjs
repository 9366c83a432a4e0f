// What every benchmark under tools/bench needs to stand up the service: where the bundle is,
// the benchmark database (loopback only), a build, and the service's environment.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
);

/** The bundle `npm start` runs. */
export const SERVICE_BUNDLE = path.join(
  repoRoot,
  'apps',
  'integrations-service',
  'dist',
  'bundle',
  'main.js',
);

/** BENCH_DATABASE_URL (default: the machine's test database), refused unless it is loopback. */
export function benchDatabaseUrl() {
  const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const host = new URL(databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`BENCH_DATABASE_URL must point at a loopback address (got ${host})`);
  }
  return databaseUrl;
}

export async function withClient(databaseUrl, body) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

export function buildService() {
  console.log('building: nx build integrations-service');
  const started = performance.now();
  const result = spawnSync(
    path.join(repoRoot, 'node_modules', '.bin', 'nx'),
    ['build', 'integrations-service', '--outputStyle=static'],
    {
      cwd: repoRoot,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`the build failed:\n${result.stdout}${result.stderr}`);
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The service's environment, built from scratch (not inherited) so that a developer's
 * DATABASE_URL, NATS_URL or plugin list cannot change what is measured. Without a schema the
 * service runs on its embedded database in `dataDir`.
 */
export function serviceEnvironment({ port, secret, dataDir, databaseUrl, schema, extra = {} }) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
    PRINT_TOKEN: 'false',
    DATA_DIR: dataDir,
    ...extra,
    ...(schema === undefined ? {} : { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema }),
  };
}

/** The integration type the service's built-in in-memory provider registers under. */
export async function inMemoryType(serviceUrl, token) {
  const response = await fetch(`${serviceUrl}/api/v1/providers`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`GET /api/v1/providers answered ${response.status}: ${text}`);
  }
  const json = JSON.parse(text);
  const providers = Array.isArray(json) ? json : (json?.items ?? []);
  const inMemory = providers.find((entry) => entry.provider === 'in-memory');
  if (inMemory === undefined) throw new Error('the service offers no in-memory provider');
  return inMemory.type;
}
