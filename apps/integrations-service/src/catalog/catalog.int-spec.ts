import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { Client } from 'pg';
import type { TestApp } from '../testing/test-app';
import { signToken, startTestApp } from '../testing/test-app';
import { inMemoryDraft } from '../testing/in-memory-draft';

/**
 * The v1 HTTP contract end to end: the real service on a loopback port, over real HTTP, on a
 * fresh PostgreSQL schema: TEST_DATABASE_URL's server (CI), or the test process's embedded one.
 */
const PROBLEM = 'application/problem+json';

function draft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return inMemoryDraft({
    name: `int-${randomUUID()}`,
    settings: { health: 'healthy' },
    credentials: { token: 'authref://env/E2E_TOKEN' },
    tags: ['team-a', 'prod'],
    ...overrides,
  });
}

function expectProblem(
  result: { status: number; headers: Headers; body: any },
  status: number,
): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toContain(PROBLEM);
  expect(result.body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
  });
  expect(typeof result.body.detail).toBe('string');
}

describe('catalog v1 over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    process.env['E2E_TOKEN'] = 'e2e-secret-value-never-shown';
    t = await startTestApp();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  describe('register, get, list, patch, delete', () => {
    it('registers: 201 with Location and ETag, and the body echoes no secret', async () => {
      const body = draft({ tags: ['b', 'a', 'a'] });
      const created = await t.request('POST', '/api/v1/integrations', { body });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/api/v1/integrations/${created.body.id}`);
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.body).toMatchObject({
        name: body['name'],
        type: 'scm',
        provider: 'in-memory',
        status: 'pending',
        health: 'unknown',
        tags: ['a', 'b'],
        version: 1,
        credentials: { token: 'authref://env/E2E_TOKEN' },
        createdBy: 'e2e-user',
      });
      expect(created.body.createdAt).toMatch(/Z$/);
      expect(created.text).not.toContain('e2e-secret-value-never-shown');

      const got = await t.request('GET', `/api/v1/integrations/${created.body.id}`);
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toBe('"1"');
      expect(got.body).toEqual(created.body);
    });

    it('stores credential references encrypted at rest', async () => {
      const created = await t.request('POST', '/api/v1/integrations', { body: draft() });
      expect(created.status).toBe(201);
      const client = new Client({ connectionString: t.backend.env['DATABASE_URL'] });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT credentials::text AS stored FROM "${t.backend.env['DATABASE_SCHEMA']}".integrations WHERE id = $1`,
          [created.body.id],
        );
        expect(rows[0].stored).not.toContain('authref://');
        expect(rows[0].stored).toContain('$encrypted');
      } finally {
        await client.end();
      }
      expect(
        (await t.request('GET', `/api/v1/integrations/${created.body.id}`)).body.credentials,
      ).toEqual({
        token: 'authref://env/E2E_TOKEN',
      });
    });

    it('patches with If-Match, answers 412 on a stale ETag, and deletes softly', async () => {
      const created = await t.request('POST', '/api/v1/integrations', { body: draft() });
      const path = `/api/v1/integrations/${created.body.id}`;
      const patched = await t.request('PATCH', path, {
        body: { endpoint: 'https://other.example.test', tags: ['x'] },
        headers: { 'if-match': '"1"' },
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.get('etag')).toBe('"2"');
      expect(patched.body).toMatchObject({
        endpoint: 'https://other.example.test',
        tags: ['x'],
        version: 2,
      });

      const stale = await t.request('PATCH', path, {
        body: { endpoint: 'https://stale.example.test' },
        headers: { 'if-match': '"1"' },
      });
      expectProblem(stale, 412);
      expect((await t.request('GET', path)).body.endpoint).toBe('https://other.example.test');

      const staleDelete = await t.request('DELETE', path, { headers: { 'if-match': '"1"' } });
      expectProblem(staleDelete, 412);
      const deleted = await t.request('DELETE', path);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectProblem(await t.request('GET', path), 404);
      expectProblem(await t.request('PATCH', path, { body: { tags: [] } }), 404);
      expectProblem(await t.request('DELETE', path), 404);
    });

    it('keeps names unique per tenant (409), and frees a name on delete', async () => {
      const body = draft();
      const first = await t.request('POST', '/api/v1/integrations', { body });
      expect(first.status).toBe(201);
      expectProblem(await t.request('POST', '/api/v1/integrations', { body }), 409);
      const other = await t.request('POST', '/api/v1/integrations', {
        body,
        token: await signToken({ tenant: 'globex' }),
      });
      expect(other.status).toBe(201);
      const renamed = await t.request('POST', '/api/v1/integrations', { body: draft() });
      expectProblem(
        await t.request('PATCH', `/api/v1/integrations/${renamed.body.id}`, {
          body: { name: body['name'] },
        }),
        409,
      );
      expect((await t.request('DELETE', `/api/v1/integrations/${first.body.id}`)).status).toBe(204);
      expect((await t.request('POST', '/api/v1/integrations', { body })).status).toBe(201);
    });

    it('lets exactly one of concurrent PATCHes with the same ETag win; nothing is lost', async () => {
      const created = await t.request('POST', '/api/v1/integrations', { body: draft() });
      const path = `/api/v1/integrations/${created.body.id}`;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.request('PATCH', path, {
            body: { tags: [`writer-${i}`] },
            headers: { 'if-match': '"1"' },
          }),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      const losers = results.filter((r) => r.status === 412);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(11);
      const final = await t.request('GET', path);
      expect(final.body.version).toBe(2);
      expect(final.body.tags).toEqual(winners[0]?.body.tags);
    });
  });

  describe('validation', () => {
    it.each([
      ['a missing name', { name: undefined }, '/name'],
      ['an unknown property', { surprise: true }, '/surprise'],
      ['settings that break the manifest schema', { settings: { latencyMs: -1 } }, '/settings'],
      ['an unknown setting', { settings: { colour: 'red' } }, '/settings'],
      ['an endpoint that is not a URL', { endpoint: 'not a url' }, '/endpoint'],
      [
        'an interval out of range',
        { healthCheckIntervalSeconds: 5 },
        '/healthCheckIntervalSeconds',
      ],
      [
        'an unknown credential slot',
        { credentials: { password: 'authref://env/X' } },
        '/credentials',
      ],
    ])('refuses %s with 400 naming the field', async (_name, overrides, field) => {
      const result = await t.request('POST', '/api/v1/integrations', { body: draft(overrides) });
      expectProblem(result, 400);
      expect(JSON.stringify(result.body.errors ?? [])).toContain(field);
    });

    it('refuses a plaintext credential without storing, echoing or logging it', async () => {
      const before = await t.database.integrations.count('acme');
      const secret = 'ghp_plaintextSecretValue1234567890';
      const result = await t.request('POST', '/api/v1/integrations', {
        body: draft({ credentials: { token: secret } }),
      });
      expectProblem(result, 400);
      expect(result.text).not.toContain(secret);
      expect(await t.database.integrations.count('acme')).toBe(before);
    });

    it('refuses an unknown provider naming the loaded ones', async () => {
      const result = await t.request('POST', '/api/v1/integrations', {
        body: draft({ provider: 'no-such-provider' }),
      });
      expectProblem(result, 400);
      expect(result.body.detail).toContain('in-memory');
    });

    it('answers malformed JSON with 400, a wrong content type with 415, a huge body with 413', async () => {
      expectProblem(
        await t.request('POST', '/api/v1/integrations', {
          rawBody: '{"name": ',
          headers: { 'content-type': 'application/json' },
        }),
        400,
      );
      expectProblem(
        await t.request('POST', '/api/v1/integrations', {
          rawBody: 'name=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
      );
      expectProblem(
        await t.request('POST', '/api/v1/integrations', {
          rawBody: 'plain text',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
      );
      expectProblem(
        await t.request('POST', '/api/v1/integrations', {
          rawBody: JSON.stringify(draft({ settings: { pad: 'x'.repeat(2 * 1024 * 1024) } })),
          headers: { 'content-type': 'application/json' },
        }),
        413,
      );
    });

    it('answers unknown routes and malformed ids with 404 problems', async () => {
      expectProblem(await t.request('GET', '/api/v1/nothing-here'), 404);
      expectProblem(await t.request('GET', '/api/v1/integrations/not-a-uuid'), 404);
      expectProblem(await t.request('GET', `/api/v1/integrations/${randomUUID()}`), 404);
    });

    it('refuses bad list parameters with 400', async () => {
      for (const query of [
        'limit=0',
        'limit=501',
        'limit=abc',
        'cursor=%%%garbage',
        'status=sleepy',
      ]) {
        expectProblem(await t.request('GET', `/api/v1/integrations?${query}`), 400);
      }
    });
  });

  describe('auth', () => {
    it.each([
      ['no token', async () => null],
      ['a malformed token', async () => 'not.a.jwt'],
      [
        'an expired token',
        async () => signToken({ expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
      ],
      [
        'a token signed with another key',
        async () => signToken({ secret: 'another-secret-of-at-least-32-bytes!!' }),
      ],
      [
        'an alg:none token',
        async () =>
          new UnsecuredJWT({ tenant: 'acme', scope: 'integrations:read' })
            .setSubject('mallory')
            .setExpirationTime('1h')
            .encode(),
      ],
      [
        'a token without a tenant',
        async () =>
          new SignJWT({ scope: 'integrations:read' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('x')
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode('end-to-end-tests-secret-of-at-least-32-bytes')),
      ],
    ])('answers 401 for %s', async (_name, makeToken) => {
      const result = await t.request('GET', '/api/v1/integrations', { token: await makeToken() });
      expectProblem(result, 401);
    });

    it('enforces scopes per route with 403', async () => {
      const readOnly = await signToken({ scope: 'integrations:read' });
      expect((await t.request('GET', '/api/v1/integrations', { token: readOnly })).status).toBe(
        200,
      );
      expectProblem(
        await t.request('POST', '/api/v1/integrations', { body: draft(), token: readOnly }),
        403,
      );
      const writer = await signToken({ scope: 'integrations:write' });
      expectProblem(await t.request('GET', '/api/v1/integrations', { token: writer }), 403);
      expectProblem(
        await t.request('POST', '/api/v1/integrations/test', { body: draft(), token: writer }),
        403,
      );
    });

    it("answers another tenant's integration exactly like a missing one", async () => {
      const created = await t.request('POST', '/api/v1/integrations', { body: draft() });
      const globex = await signToken({ tenant: 'globex' });
      const path = `/api/v1/integrations/${created.body.id}`;
      const theirs = await t.request('GET', path, { token: globex });
      const missing = await t.request('GET', `/api/v1/integrations/${randomUUID()}`, {
        token: globex,
      });
      expect(theirs.status).toBe(404);
      expect({ ...theirs.body, instance: undefined }).toEqual({
        ...missing.body,
        instance: undefined,
      });
      for (const [method, sub] of [
        ['PATCH', ''],
        ['DELETE', ''],
        ['POST', '/test'],
        ['GET', '/health'],
        ['POST', '/health/check'],
      ] as const) {
        const result = await t.request(method, `${path}${sub}`, {
          token: globex,
          ...(method === 'PATCH' ? { body: { tags: ['stolen'] } } : {}),
        });
        expect(result.status).toBe(404);
      }
      const list = await t.request('GET', `/api/v1/integrations?q=${created.body.name}`, {
        token: globex,
      });
      expect(list.body.items).toEqual([]);
      expect((await t.request('GET', path)).body.version).toBe(1);
    });
  });

  describe('test connection and health', () => {
    it('tests a saved integration, records health and history, and emits events', async () => {
      const created = await t.request('POST', '/api/v1/integrations', { body: draft() });
      const id = created.body.id as string;
      const tested = await t.request('POST', `/api/v1/integrations/${id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({
        success: true,
        status: 'healthy',
        phase: null,
        isTransient: false,
      });
      expect(tested.body.checkedAt).toMatch(/Z$/);
      expect(tested.text).not.toContain('e2e-secret-value-never-shown');
      const after = await t.request('GET', `/api/v1/integrations/${id}`);
      expect(after.body).toMatchObject({ status: 'active', health: 'healthy' });

      const checked = await t.request('POST', `/api/v1/integrations/${id}/health/check`);
      expect(checked.status).toBe(200);
      expect(checked.body.status).toBe('healthy');
      const health = await t.request('GET', `/api/v1/integrations/${id}/health`);
      expect(health.status).toBe(200);
      expect(health.body.current.status).toBe('healthy');
      expect(health.body.history.length).toBeGreaterThanOrEqual(2);
    });

    it('reports failures as results, with the failing phase, never as 5xx', async () => {
      const created = await t.request('POST', '/api/v1/integrations', {
        body: draft({ settings: { health: 'unhealthy' } }),
      });
      const tested = await t.request('POST', `/api/v1/integrations/${created.body.id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(false);
      expect(tested.body.status).toBe('unhealthy');
      const after = await t.request('GET', `/api/v1/integrations/${created.body.id}`);
      expect(after.body).toMatchObject({ status: 'failed', health: 'unhealthy' });
    });

    it('reports a credential whose variable is missing as a config failure', async () => {
      const created = await t.request('POST', '/api/v1/integrations', {
        body: draft({ credentials: { token: 'authref://env/E2E_MISSING_VARIABLE' } }),
      });
      const tested = await t.request('POST', `/api/v1/integrations/${created.body.id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({ success: false, phase: 'config' });
    });

    it('tests a draft without saving anything', async () => {
      const before = await t.database.integrations.count('acme');
      const body = draft();
      const tested = await t.request('POST', '/api/v1/integrations/test', { body });
      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(true);
      expect(await t.database.integrations.count('acme')).toBe(before);
      expectProblem(
        await t.request('POST', '/api/v1/integrations/test', { body: draft({ provider: 'nope' }) }),
        400,
      );
    });
  });

  describe('secret settings', () => {
    const SECRET = `whsec-${randomUUID()}`;

    async function stored(
      id: string,
    ): Promise<{ text: string; kid: string; credentialsKid: string }> {
      const client = new Client({ connectionString: t.backend.env['DATABASE_URL'] });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT settings::text AS text, settings->'webhookSecret'->>'kid' AS kid,
              credentials->>'kid' AS "credentialsKid"
            FROM "${t.backend.env['DATABASE_SCHEMA']}".integrations WHERE id = $1`,
          [id],
        );
        return rows[0];
      } finally {
        await client.end();
      }
    }

    async function webhookSecretPresent(id: string): Promise<unknown> {
      const tested = await t.request('POST', `/api/v1/integrations/${id}/test`);
      expect(tested.status).toBe(200);
      expect(tested.body.success).toBe(true);
      return tested.body.details.webhookSecretPresent;
    }

    it('are sealed at rest, never shown, handed to the plugin, kept by a PATCH that leaves them out', async () => {
      const created = await t.request('POST', '/api/v1/integrations', {
        body: draft({ settings: { health: 'healthy', webhookSecret: SECRET } }),
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        settings: { health: 'healthy' },
        secretSettings: ['webhookSecret'],
        settingsReadable: true,
      });
      expect(created.body.settings).not.toHaveProperty('webhookSecret');
      const id = created.body.id as string;
      const path = `/api/v1/integrations/${id}`;
      const got = await t.request('GET', path);
      expect(got.body).toEqual(created.body);
      const listed = await t.request('GET', `/api/v1/integrations?q=${created.body.name}`);
      expect(listed.body.items).toEqual([created.body]);

      // At rest: an envelope under the key the credentials are sealed with, not the value.
      const atRest = await stored(id);
      expect(atRest.text).not.toContain(SECRET);
      expect(atRest.text).toContain('$encrypted');
      expect(atRest.kid).toBe(atRest.credentialsKid);
      expect(atRest.kid).toMatch(/^[0-9a-f]{16}$/);

      // The plugin receives it (it says so, without the value).
      await expect(webhookSecretPresent(id)).resolves.toBe(true);

      // Left out of a PATCH: kept.
      const kept = await t.request('PATCH', path, { body: { settings: { health: 'degraded' } } });
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({
        settings: { health: 'degraded' },
        secretSettings: ['webhookSecret'],
        version: 2,
      });
      await expect(webhookSecretPresent(id)).resolves.toBe(true);
      await expect(t.database.integrations.findById('acme', id)).resolves.toMatchObject({
        settings: { health: 'degraded', webhookSecret: SECRET },
      });
      // Sending back what was read changes nothing.
      const echoed = await t.request('PATCH', path, { body: { settings: kept.body.settings } });
      expect(echoed.body.version).toBe(2);

      // A new value replaces it, sealed afresh.
      const replaced = await t.request('PATCH', path, {
        body: { settings: { health: 'degraded', webhookSecret: `${SECRET}-2` } },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ secretSettings: ['webhookSecret'], version: 3 });
      expect(replaced.text).not.toContain(SECRET);
      const resealed = await stored(id);
      expect(resealed.text).not.toContain(SECRET);
      expect(resealed.text).not.toBe(atRest.text);
      await expect(t.database.integrations.findById('acme', id)).resolves.toMatchObject({
        settings: { webhookSecret: `${SECRET}-2` },
      });

      // null removes it.
      const removed = await t.request('PATCH', path, {
        body: { settings: { health: 'degraded', webhookSecret: null } },
      });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ settings: { health: 'degraded' }, secretSettings: [] });
      await expect(webhookSecretPresent(id)).resolves.toBe(false);
      expect((await stored(id)).text).not.toContain('$encrypted');

      // Nothing else the service answered about it holds the value.
      const events = await t.request('GET', '/api/v1/events?limit=500');
      const audit = await t.request('GET', `${path}/audit`);
      expect(audit.status).toBe(200);
      const updates = audit.body.items.filter(
        (entry: any) => entry.action === 'integration.update',
      );
      expect(updates.map((entry: any) => entry.details)).toEqual([
        { changedFields: ['settings'] },
        { changedFields: ['settings'] },
        { changedFields: ['settings'] },
      ]);
      const health = await t.request('GET', `${path}/health`);
      for (const answer of [got, listed, kept, replaced, removed, events, audit, health]) {
        expect(answer.text).not.toContain(SECRET);
      }
    });

    it('refuses a bad secret value with its path, never echoing it, and tests a draft with one', async () => {
      const refused = await t.request('POST', '/api/v1/integrations', {
        body: draft({ settings: { webhookSecret: 42 } }),
      });
      expectProblem(refused, 400);
      expect(refused.body.errors).toEqual([
        { path: '/settings/webhookSecret', message: 'must be string' },
      ]);
      const created = await t.request('POST', '/api/v1/integrations', {
        body: draft({ settings: { webhookSecret: SECRET } }),
      });
      const patched = await t.request('PATCH', `/api/v1/integrations/${created.body.id}`, {
        body: { settings: { webhookSecret: '' } },
      });
      expectProblem(patched, 400);
      expect(patched.body.errors).toEqual([
        { path: '/settings/webhookSecret', message: 'must NOT have fewer than 1 characters' },
      ]);
      const shaped = await t.request('PATCH', `/api/v1/integrations/${created.body.id}`, {
        body: { settings: { webhookSecret: { $encrypted: 'x' } } },
      });
      expectProblem(shaped, 400);
      expect(shaped.body.errors[0].path).toBe('/settings/webhookSecret');

      const tested = await t.request('POST', '/api/v1/integrations/test', {
        body: draft({ settings: { webhookSecret: SECRET } }),
      });
      expect(tested.body).toMatchObject({ success: true, details: { webhookSecretPresent: true } });
      for (const answer of [refused, created, patched, shaped, tested]) {
        expect(answer.text).not.toContain(SECRET);
      }
    });

    it('are documented in the OpenAPI document and the provider catalog', async () => {
      const doc = await t.request('GET', '/docs-json', { token: null });
      const dto = doc.body.components.schemas.IntegrationDto;
      expect(dto.required).toEqual(expect.arrayContaining(['secretSettings', 'settingsReadable']));
      expect(dto.properties.secretSettings).toMatchObject({ type: 'array' });
      expect(dto.properties.settings.description).toMatch(/never shown/);
      const providers = await t.request('GET', '/api/v1/providers');
      const inMemory = providers.body.items.find((p: any) => p.provider === 'in-memory');
      expect(inMemory.settingsSchema.properties.webhookSecret).toMatchObject({
        type: 'string',
        writeOnly: true,
      });
    });
  });

  describe('providers, events, docs', () => {
    it('lists the provider catalog with manifests', async () => {
      const result = await t.request('GET', '/api/v1/providers');
      expect(result.status).toBe(200);
      const inMemory = result.body.items.find((p: any) => p.provider === 'in-memory');
      expect(inMemory).toMatchObject({
        type: 'scm',
        displayName: expect.any(String),
        capabilities: expect.arrayContaining(['test-connection', 'health-check']),
        settingsSchema: expect.objectContaining({ type: 'object' }),
      });
      expect(inMemory.credentialSlots.map((s: any) => s.name)).toEqual(['token']);
    });

    it('serves lifecycle events oldest first, per tenant, written with the change', async () => {
      const token = await signToken({ tenant: `events-${randomUUID()}` });
      const created = await t.request('POST', '/api/v1/integrations', { body: draft(), token });
      const id = created.body.id;
      await t.request('PATCH', `/api/v1/integrations/${id}`, {
        body: { tags: ['changed'] },
        token,
      });
      await t.request('POST', `/api/v1/integrations/${id}/test`, { token });
      await t.request('DELETE', `/api/v1/integrations/${id}`, { token });
      const feed = await t.request('GET', '/api/v1/events?limit=500', { token });
      expect(feed.status).toBe(200);
      const types = feed.body.items.map((e: any) => e.type);
      expect(types).toEqual([
        'integration.registered',
        'integration.updated',
        'integration.connection-tested',
        'integration.health-changed',
        'integration.deleted',
      ]);
      for (const event of feed.body.items) {
        expect(event).toMatchObject({ integrationId: id, occurredAt: expect.stringMatching(/Z$/) });
        expect(JSON.stringify(event)).not.toContain('authref://');
      }
      const rest = await t.request('GET', `/api/v1/events?after=${feed.body.items[1].id}`, {
        token,
      });
      expect(rest.body.items.map((e: any) => e.type)).toEqual(types.slice(2));
      expectProblem(await t.request('GET', '/api/v1/events?limit=0', { token }), 400);
      expectProblem(await t.request('GET', '/api/v1/events?after=nope', { token }), 400);
    });

    it('serves a valid OpenAPI 3 document and Swagger UI', async () => {
      const doc = await t.request('GET', '/docs-json', { token: null });
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      for (const path of [
        '/api/v1/integrations',
        '/api/v1/integrations/{id}',
        '/api/v1/integrations/{id}/test',
        '/api/v1/integrations/test',
        '/api/v1/integrations/{id}/health',
        '/api/v1/integrations/{id}/health/check',
        '/api/v1/providers',
        '/api/v1/events',
      ]) {
        expect(Object.keys(doc.body.paths)).toContain(path);
      }
      const ui = await t.request('GET', '/docs', { token: null });
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });

    it('answers the probes without a token', async () => {
      expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
      const ready = await t.request('GET', '/health/ready', { token: null });
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
    });
  });
});
