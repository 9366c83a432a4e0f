#!/usr/bin/env node
// The benchmark's ceiling: bare Fastify and a pg Pool running the persistence library's SQL for
// list, get and register (the registration's whole transaction: row, outbox event, audit entry),
// answering with the service's JSON through the same response schemas. What it leaves out is the
// service itself: NestJS, JWT verification and scopes, DTO validation and the plugin manifest's
// settings schema, TypeORM's query runners, problem+json. It trusts its caller (no auth) and
// serves one tenant, named by BENCH_TENANT.
import { randomUUID } from 'node:crypto';
import contracts from '@stellaops/integrations-contracts';
import Fastify from 'fastify';
import pg from 'pg';
import { baselineStatements } from './lib/baseline-statements.mjs';

const { integrationListSchema, integrationSchema } = contracts;

const env = process.env;
const schema = env.DATABASE_SCHEMA ?? 'public';
const tenant = env.BENCH_TENANT ?? 'bench';
// The service's pool size: persistence's DEFAULT_POOL_SIZE, which the service does not override.
const poolSize = Number(env.BENCH_POOL_SIZE ?? 10);
const sql = baselineStatements(schema);
// The service records the token's `sub`; the harness's token says 'bench'.
const ACTOR = 'bench';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const TIMESTAMPTZ_OID = 1184;
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;
const timestamptzAsDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text');

/**
 * A timestamptz straight from PostgreSQL's UTC text to `toISOString()`'s form, with no Date in
 * between. The persistence library reads timestamps this way (its `pgTypes`), so the ceiling
 * must too: with pg's default Date parsing the baseline would do work the service does not.
 */
function isoFromText(text) {
  const match = UTC_TEXT.exec(text);
  if (match === null) return timestamptzAsDate(text).toISOString();
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: poolSize,
  application_name: 'stellaops-api-bench-baseline',
  // As the service's pool: a UTC session, so that timestamps arrive as `...+00` text.
  options: '-c TimeZone=UTC',
  types: {
    getTypeParser: (oid, format = 'text') =>
      oid === TIMESTAMPTZ_OID && format === 'text'
        ? isoFromText
        : pg.types.getTypeParser(oid, format),
  },
});

/**
 * The row as the service's JSON (persistence's mapping, then the DTO's); timestamps are already
 * ISO strings, and no credentials key is set.
 */
function toIntegration(row) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    provider: row.provider,
    endpoint: row.endpoint,
    settings: row.settings,
    credentials: row.credentials,
    status: row.status,
    health: row.health,
    lastCheckedAt: row.last_checked_at,
    lastHealthMessage: row.last_health_message,
    consecutiveFailures: row.consecutive_failures,
    healthCheckIntervalSeconds: row.health_check_interval_seconds,
    tags: row.tags,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    version: row.version,
  };
}

function encodeCursor(item) {
  return Buffer.from(JSON.stringify({ n: item.name, i: item.id })).toString('base64url');
}

function decodeCursor(text) {
  const { n, i } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  return { name: n, id: i };
}

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });

app.get('/health', async () => ({ status: 'ok' }));

app.get(
  '/api/v1/integrations',
  { schema: { response: { 200: integrationListSchema } } },
  async (request) => {
    const query = request.query;
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const parameters = [
      tenant,
      query.type ?? null,
      query.provider ?? null,
      query.status ?? null,
      query.health ?? null,
      query.q ?? null,
      after?.name ?? null,
      after?.id ?? null,
      limit + 1,
    ];
    const { rows } =
      query.tag === undefined
        ? await pool.query(sql.list, parameters)
        : await pool.query(sql.listTagged, [...parameters, query.tag]);
    const hasMore = rows.length > limit;
    const items = (hasMore ? rows.slice(0, limit) : rows).map(toIntegration);
    const last = items.at(-1);
    return { items, nextCursor: hasMore && last !== undefined ? encodeCursor(last) : null };
  },
);

app.get(
  '/api/v1/integrations/:id',
  { schema: { response: { 200: integrationSchema } } },
  async (request, reply) => {
    const { id } = request.params;
    if (!UUID.test(id)) return reply.code(404).send({ status: 404 });
    const { rows } = await pool.query(sql.findById, [id.toLowerCase(), tenant]);
    if (rows.length === 0) return reply.code(404).send({ status: 404 });
    const integration = toIntegration(rows[0]);
    return reply.header('etag', `"${integration.version}"`).send(integration);
  },
);

async function register(body) {
  const id = randomUUID();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(sql.insert, [
      id,
      tenant,
      body.name,
      body.type,
      body.provider,
      body.endpoint,
      JSON.stringify(body.settings ?? {}),
      JSON.stringify(body.credentials ?? {}),
      'pending',
      body.healthCheckIntervalSeconds ?? 300,
      [...new Set(body.tags ?? [])].sort(),
      ACTOR,
    ]);
    const row = rows[0];
    await client.query(sql.appendEvent, [
      randomUUID(),
      tenant,
      id,
      'integration.registered',
      new Date().toISOString(),
      JSON.stringify({
        integration: {
          id,
          name: row.name,
          type: row.type,
          provider: row.provider,
          version: row.version,
        },
      }),
    ]);
    await client.query(sql.recordAudit, [
      tenant,
      ACTOR,
      'integration.register',
      id,
      JSON.stringify({ name: row.name, type: row.type, provider: row.provider }),
    ]);
    await client.query('COMMIT');
    return toIntegration(row);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

app.post(
  '/api/v1/integrations',
  { schema: { response: { 201: integrationSchema } } },
  async (request, reply) => {
    const integration = await register(request.body);
    return reply
      .code(201)
      .header('location', `/api/v1/integrations/${integration.id}`)
      .header('etag', `"${integration.version}"`)
      .send(integration);
  },
);

const close = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ host: '127.0.0.1', port: Number(env.PORT ?? 0) });
