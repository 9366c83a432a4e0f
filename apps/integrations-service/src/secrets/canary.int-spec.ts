import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { BuiltService } from '../testing/built-service';
import { BUILT_SERVICE_MAIN, killBuiltService, startBuiltService } from '../testing/built-service';
import { inMemoryDraft } from '../testing/in-memory-draft';
import { NatsProbe, testNatsUrl, uniqueEventStream } from '../testing/nats-test-server';
import type { TestBackend } from '../testing/test-backend';
import { createTestBackend } from '../testing/test-backend';
import { until } from '../testing/until';
import { installFixturePlugins } from '../testing/fixture-plugins';

/**
 * The canary: every credential resolves to one unique string, which is also the in-memory
 * registration's secret setting (`webhookSecret`: the request bodies that register and test it
 * are the only place it is sent), and every operation the service offers is run — registering, listing, reading, updating, tests and health checks of a
 * well-behaved plugin and of one that tries to leak its token every way a plugin can, drafts,
 * refusals and failures — with everything captured: the service's whole output at debug level,
 * every response (headers and body), the event feed (and the NATS stream when a broker is
 * configured), and then every row of every table of the catalog's schema. The canary, and its
 * base64 and URL-encoded forms, appear nowhere.
 */
const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const FORMS = [
  CANARY,
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(`robot:${CANARY}`).toString('base64'),
  encodeURIComponent(CANARY),
];
const ENV_NAME = 'E2E_CANARY_TOKEN';
const REFERENCE = `authref://env/${ENV_NAME}`;

interface Captured {
  readonly what: string;
  readonly text: string;
}

describe('the canary credential appears nowhere', () => {
  const pluginsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-canary-plugins-'));
  const captured: Captured[] = [];
  const natsUrl = testNatsUrl();
  const stream = uniqueEventStream();
  let backend: TestBackend;
  let service: BuiltService | undefined;

  async function call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${service!.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${service!.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    captured.push({
      what: `${method} ${url} -> ${response.status}`,
      text: `${JSON.stringify([...response.headers.entries()])}\n${text}`,
    });
    const json = /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    return { status: response.status, json: text === '' ? undefined : json };
  }

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVICE_MAIN)) {
      throw new Error(`${BUILT_SERVICE_MAIN} is missing: build the service first (npm test does)`);
    }
    installFixturePlugins(pluginsDir, [
      {
        from: path.join(__dirname, 'fixtures', 'canary-plugin'),
        name: '@acme/canary-plugin',
        range: '^1.0.0',
      },
    ]);
    backend = await createTestBackend();
    service = await startBuiltService({
      env: {
        ...backend.env,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        PLUGINS_DIR: pluginsDir,
        SECRETS_ENV_ALLOW: ENV_NAME,
        [ENV_NAME]: CANARY,
        CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        HEALTH_POLLER_IDLE_MS: '100',
        ...(natsUrl === undefined ? {} : { NATS_URL: natsUrl, ...stream.env }),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await killBuiltService(service);
    if (natsUrl !== undefined) {
      const probe = await NatsProbe.connect(natsUrl);
      await probe.jsm.streams.delete(stream.name).catch(() => undefined);
      await probe.nc.close();
    }
    await backend?.dispose();
    fs.rmSync(pluginsDir, { recursive: true, force: true });
  });

  it('through every operation, its responses, logs, events and tables', async () => {
    const credentials = { token: REFERENCE };
    // Drafts: a well-behaved plugin, and one that tries to leak.
    const secretSettings = { webhookSecret: CANARY };
    const draftTest = await call(
      'POST',
      '/api/v1/integrations/test',
      inMemoryDraft({ credentials, settings: secretSettings }),
    );
    expect(draftTest.json).toMatchObject({ details: { webhookSecretPresent: true } });
    const leakyDraft = {
      name: 'canary-draft',
      type: 'ci',
      provider: 'acme-canary',
      endpoint: 'https://127.0.0.1:9/canary',
      settings: {},
      credentials,
    };
    expect((await call('POST', '/api/v1/integrations/test', leakyDraft)).status).toBe(200);
    // Refusals that could echo what they were given: a plaintext credential, a bad reference.
    expect(
      (
        await call(
          'POST',
          '/api/v1/integrations',
          inMemoryDraft({ credentials: { token: CANARY } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/api/v1/integrations',
          inMemoryDraft({ credentials: { token: `authref://env/${CANARY}` } }),
        )
      ).status,
    ).toBe(400);

    const memory = await call(
      'POST',
      '/api/v1/integrations',
      inMemoryDraft({
        credentials,
        settings: { failTimes: 1, ...secretSettings },
        healthCheckIntervalSeconds: 10,
      }),
    );
    expect(memory.status).toBe(201);
    expect(memory.json).toMatchObject({ secretSettings: ['webhookSecret'] });
    const leaky = await call('POST', '/api/v1/integrations', {
      ...leakyDraft,
      name: 'canary-saved',
      healthCheckIntervalSeconds: 10,
    });
    expect(leaky.status).toBe(201);
    const ids = [memory.json, leaky.json].map((body) => (body as { id: string }).id);

    for (const id of ids) {
      expect((await call('POST', `/api/v1/integrations/${id}/test`)).status).toBe(200);
      expect((await call('POST', `/api/v1/integrations/${id}/health/check`)).status).toBe(200);
      expect((await call('GET', `/api/v1/integrations/${id}`)).status).toBe(200);
      expect((await call('GET', `/api/v1/integrations/${id}/health`)).status).toBe(200);
    }
    const [memoryId, leakyId] = ids as [string, string];
    const current = await call('GET', `/api/v1/integrations/${memoryId}`);
    const version = (current.json as { version: number }).version;
    const patch = await fetch(`${service!.url}/api/v1/integrations/${memoryId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${service!.token}`,
        'content-type': 'application/json',
        'if-match': `"${version}"`,
      },
      body: JSON.stringify({ settings: { failTimes: 0 }, credentials }),
    });
    captured.push({ what: `PATCH ${memoryId} -> ${patch.status}`, text: await patch.text() });
    expect(patch.status).toBe(200);
    // The PATCH left the secret setting out: it is kept, and the plugin still gets it.
    const retested = await call('POST', `/api/v1/integrations/${memoryId}/test`);
    expect(retested.json).toMatchObject({ details: { webhookSecretPresent: true } });
    // The poller checks them too (due at once, then every 10 s).
    await until(
      async () => {
        const view = await call('GET', `/api/v1/integrations/${leakyId}/health`);
        return ((view.json as { history: unknown[] }).history ?? []).length >= 3;
      },
      15_000,
      'a poller check of the leaky registration',
      200,
    );
    expect((await call('GET', '/api/v1/integrations?limit=50')).status).toBe(200);
    expect((await call('GET', '/api/v1/providers')).status).toBe(200);
    expect((await call('GET', '/api/v1/events?limit=200')).status).toBe(200);
    await call('GET', `/api/v1/integrations/${memoryId}/audit`);
    await call('GET', '/api/v1/audit');
    expect((await call('DELETE', `/api/v1/integrations/${leakyId}`)).status).toBe(204);
    expect((await call('GET', '/metrics')).status).toBe(200);

    if (natsUrl !== undefined) {
      const probe = await NatsProbe.connect(natsUrl);
      try {
        await until(
          async () => ((await probe.info(stream.name))?.state.messages ?? 0) > 0,
          15_000,
          'events in the stream',
          200,
        );
        const messages = await probe.read(stream.name);
        captured.push({ what: 'the NATS stream', text: JSON.stringify(messages) });
      } finally {
        await probe.nc.close();
      }
    }

    // Every row of every table of the catalog's schema.
    const client = new Client({ connectionString: backend.env['DATABASE_URL'] });
    await client.connect();
    try {
      const schema = backend.env['DATABASE_SCHEMA'] ?? 'public';
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
        [schema],
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining(['integrations', 'health_history', 'event_outbox', 'audit_log']),
      );
      for (const { table_name: table } of tables.rows) {
        const rows = await client.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${schema}"."${table}" AS t`,
        );
        captured.push({ what: `table ${table}`, text: rows.rows.map((row) => row.row).join('\n') });
      }
    } finally {
      await client.end();
    }
    captured.push({ what: 'the service output', text: service!.output() });

    // The capture is real: the plugin did log and answer, the audit saw the resolutions.
    const everything = captured.map((entry) => entry.text).join('\n');
    expect(everything).toContain('resolved [REDACTED]');
    expect(everything).toContain('connected with [REDACTED]');
    // A thrown error's message is never shown: it could quote anything.
    expect(everything).toContain('unexpected failure (Error)');
    expect(everything).toContain('secret.resolved');
    for (const form of FORMS) {
      const leaks = captured
        .filter((entry) => entry.text.includes(form))
        .map((entry) => entry.what);
      expect({ form: form === CANARY ? 'the canary' : 'an encoded form', leaks }).toEqual({
        form: form === CANARY ? 'the canary' : 'an encoded form',
        leaks: [],
      });
    }
  }, 90_000);
});
