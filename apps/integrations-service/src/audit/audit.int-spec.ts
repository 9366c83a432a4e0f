import { randomUUID } from 'node:crypto';
import { AuthRef } from '@stellaops/integrations-core';
import type { IntegrationConfig } from '@stellaops/integrations-plugin-abstractions';
import type { InMemoryConnectorPlugin } from '@stellaops/integrations-plugin-in-memory';
import { Client } from 'pg';
import { PluginRegistry } from '../plugins/plugin-registry';
import { inMemoryDraft } from '../testing/in-memory-draft';
import type { HttpResult, TestApp } from '../testing/test-app';
import { TEST_JWT_SECRET, startTestApp } from '../testing/test-app';
import { loadAuditConfig } from './audit.config';
import { ReferenceHmac } from './reference-hmac';

/**
 * The credential-access audit trail end to end: the real service over HTTP on a fresh PostgreSQL
 * schema, an in-memory registration whose `token` is an env reference, tested and checked; then
 * the trail read back, and the audit table made to refuse credential entries for real.
 */
const TOKEN_REF = 'authref://env/E2E_TOKEN';
const TOKEN_VALUE = 'e2e-audit-token-value-9c41';
const OPERATOR = 'operator-1';
const PROBLEM = 'application/problem+json';

interface Entry {
  id: string;
  tenantId: string;
  occurredAt: string;
  actor: string;
  action: string;
  integrationId: string | null;
  details: Record<string, unknown>;
}

interface Page {
  items: Entry[];
  nextAfter: string | null;
}

/** The service runs on DATABASE_URL with AUTH_JWT_SECRET: its key is derived from that secret. */
function expectedHmac(uri: string): string {
  const source = loadAuditConfig({
    DATABASE_URL: 'postgres://any',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
  }).hmacKey;
  if (source.from !== 'AUTH_JWT_SECRET') throw new Error(`key from ${source.from}`);
  return ReferenceHmac.fromKey(source.key).of(AuthRef.parse(uri));
}

function expectProblem(result: HttpResult<any>, status: number, paths?: string[]): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toContain(PROBLEM);
  expect(result.body).toMatchObject({ status, type: expect.any(String) });
  if (paths !== undefined) {
    expect((result.body.errors as { path: string }[]).map((error) => error.path)).toEqual(paths);
  }
}

describe('audit trail over HTTP', () => {
  let t: TestApp;
  let operator: string;
  let admin: Client;

  beforeAll(async () => {
    process.env['E2E_TOKEN'] = TOKEN_VALUE;
    t = await startTestApp();
    operator = await t.token({ sub: OPERATOR });
    admin = new Client({ connectionString: t.backend.env['DATABASE_URL'] });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await t?.close();
    await t?.backend.dispose();
    delete process.env['E2E_TOKEN'];
  });

  const schema = () => `"${t.backend.env['DATABASE_SCHEMA']}"`;

  async function register(): Promise<string> {
    const created = await t.request('POST', '/api/v1/integrations', {
      body: inMemoryDraft({ settings: { health: 'healthy' }, credentials: { token: TOKEN_REF } }),
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  async function testAndCheck(id: string): Promise<void> {
    const tested = await t.request('POST', `/api/v1/integrations/${id}/test`, { token: operator });
    expect(tested.body).toMatchObject({ success: true, status: 'healthy' });
    const checked = await t.request('POST', `/api/v1/integrations/${id}/health/check`, {
      token: operator,
    });
    expect(checked.body).toMatchObject({ success: true, status: 'healthy' });
  }

  async function read(path: string, token = operator): Promise<HttpResult<Page>> {
    return t.request<Page>('GET', path, { token });
  }

  /** Every page of a listing, following nextAfter. */
  async function readAll(path: string): Promise<Page[]> {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await read(after === null ? path : `${path}${separator}after=${after}`);
      expect(page.status).toBe(200);
      pages.push(page.body);
      after = page.body.nextAfter;
    } while (after !== null && pages.length < 20);
    return pages;
  }

  it('lists two credential resolutions, for the test and the health check, with actor, slot, store, purpose and reference HMAC, never the value', async () => {
    const id = await register();
    await testAndCheck(id);

    const trail = await read(`/api/v1/integrations/${id}/audit?action=secret.`);
    expect(trail.status).toBe(200);
    const hmac = expectedHmac(TOKEN_REF);
    const resolution = (purpose: string) => ({
      id: expect.stringMatching(/^[0-9]+$/),
      tenantId: 'acme',
      occurredAt: expect.stringMatching(/Z$/),
      actor: OPERATOR,
      action: 'secret.resolved',
      integrationId: id,
      details: { slot: 'token', store: 'env', referenceHmac: hmac, purpose },
    });
    expect(trail.body).toEqual({
      items: [resolution('health'), resolution('test')],
      nextAfter: null,
    });
    const [health, test] = trail.body.items;
    expect(BigInt(health?.id ?? 0)).toBeGreaterThan(BigInt(test?.id ?? 0));
    expect(Date.parse(health?.occurredAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(test?.occurredAt ?? ''),
    );
    expect(trail.text).not.toContain(TOKEN_VALUE);
    expect(trail.text).not.toContain('E2E_TOKEN');

    // The tenant's listing holds the same entries.
    const tenant = await read(`/api/v1/audit?integrationId=${id}&action=secret.`);
    expect(tenant.body).toEqual(trail.body);
  });

  it("lists a registration's whole trail without a filter, and pages it by cursor without gaps or repeats", async () => {
    const id = await register();
    await testAndCheck(id);

    const whole = await read(`/api/v1/integrations/${id}/audit`);
    expect(whole.body.items.map((entry) => entry.action)).toEqual([
      'integration.health-check',
      'secret.resolved',
      'integration.test',
      'secret.resolved',
      'integration.register',
    ]);
    expect(whole.body.items.map((entry) => entry.actor)).toEqual([
      OPERATOR,
      OPERATOR,
      OPERATOR,
      OPERATOR,
      'e2e-user',
    ]);
    expect(whole.body.nextAfter).toBeNull();

    const pages = await readAll(`/api/v1/integrations/${id}/audit?limit=2`);
    expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((page) => page.items)).toEqual(whole.body.items);
    expect(pages.map((page) => page.nextAfter)).toEqual([
      pages[0]?.items[1]?.id,
      pages[1]?.items[1]?.id,
      null,
    ]);

    // An exact page: the last one is known to be last only from the next read, which is empty.
    const exact = await read(`/api/v1/integrations/${id}/audit?limit=5`);
    expect(exact.body.nextAfter).toBeNull();
    const four = await read(`/api/v1/integrations/${id}/audit?limit=4`);
    expect(four.body.nextAfter).toBe(four.body.items[3]?.id);
  });

  it("lists the tenant's trail, drafts' tests included, and a deleted registration's by integrationId", async () => {
    const draftName = `draft-${randomUUID()}`;
    const draft = await t.request('POST', '/api/v1/integrations/test', {
      token: operator,
      body: inMemoryDraft({ name: draftName, credentials: { token: TOKEN_REF } }),
    });
    expect(draft.body).toMatchObject({ success: true });
    const id = await register();
    await testAndCheck(id);
    const deleted = await t.request('DELETE', `/api/v1/integrations/${id}`);
    expect(deleted.status).toBe(204);

    const credentialAccess = await read('/api/v1/audit?action=secret.&limit=500');
    expect(credentialAccess.body.items.every((entry) => entry.action.startsWith('secret.'))).toBe(
      true,
    );
    expect(credentialAccess.body.items).toContainEqual(
      expect.objectContaining({
        integrationId: null,
        actor: OPERATOR,
        details: expect.objectContaining({ purpose: 'test', slot: 'token' }),
      }),
    );
    const ids = credentialAccess.body.items.map((entry) => BigInt(entry.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));

    expectProblem(await read(`/api/v1/integrations/${id}/audit`), 404);
    const kept = await read(`/api/v1/audit?integrationId=${id.toUpperCase()}`);
    expect(kept.status).toBe(200);
    expect(kept.body.items.map((entry) => entry.action)).toEqual([
      'integration.delete',
      'integration.health-check',
      'secret.resolved',
      'integration.test',
      'secret.resolved',
      'integration.register',
    ]);
  });

  it('needs integrations:operate on both endpoints', async () => {
    const id = await register();
    const readWrite = await t.token({ scope: 'integrations:read integrations:write' });
    expectProblem(await read(`/api/v1/integrations/${id}/audit`, readWrite), 403);
    expectProblem(await read('/api/v1/audit', readWrite), 403);
    expect((await read(`/api/v1/integrations/${id}/audit`, operator)).status).toBe(200);
    const operateOnly = await t.token({ scope: 'integrations:operate' });
    expect((await read('/api/v1/audit', operateOnly)).status).toBe(200);
  });

  it("answers another tenant's, a missing and a malformed id alike with 404, and shows no other tenant's entries", async () => {
    const id = await register();
    await testAndCheck(id);
    const globex = await t.token({ tenant: 'globex' });
    const theirs = await read(`/api/v1/integrations/${id}/audit`, globex);
    expectProblem(theirs, 404);
    const missing = await read(`/api/v1/integrations/${randomUUID()}/audit`);
    const malformed = await read('/api/v1/integrations/not-a-uuid/audit');
    expectProblem(missing, 404);
    expectProblem(malformed, 404);
    const detail = (result: HttpResult<unknown>) => (result.body as { detail: string }).detail;
    expect(detail(theirs)).toBe(detail(missing));
    expect(detail(malformed)).toBe(detail(missing));

    const filtered = await read(`/api/v1/audit?integrationId=${id}`, globex);
    expect(filtered.body).toEqual({ items: [], nextAfter: null });
    const all = await read('/api/v1/audit?limit=500', globex);
    expect(all.body.items.every((entry) => entry.tenantId === 'globex')).toBe(true);
    expect(all.body.items.some((entry) => entry.integrationId === id)).toBe(false);
  });

  it('answers 400 problem+json with the parameter paths for a bad query', async () => {
    const id = await register();
    expectProblem(await read(`/api/v1/integrations/${id}/audit?limit=0`), 400, ['/limit']);
    expectProblem(await read(`/api/v1/integrations/${id}/audit?limit=501`), 400, ['/limit']);
    expectProblem(await read(`/api/v1/integrations/${id}/audit?after=abc`), 400, ['/after']);
    expectProblem(await read(`/api/v1/audit?after=99999999999999999999`), 400, ['/after']);
    expectProblem(await read(`/api/v1/audit?after=9223372036854775808`), 400, ['/after']);
    expectProblem(await read(`/api/v1/audit?action=secret.*`), 400, ['/action']);
    expectProblem(await read(`/api/v1/audit?integrationId=nope`), 400, ['/integrationId']);
    expectProblem(await read(`/api/v1/integrations/${id}/audit?integrationId=${id}`), 400, [
      '/integrationId',
    ]);
    expectProblem(await read(`/api/v1/audit?cursor=1`), 400, ['/cursor']);
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const docs = await t.request('GET', '/docs-json', { token: null });
    expect(docs.status).toBe(200);
    const paths = docs.body.paths as Record<string, Record<string, any>>;
    const tenant = paths['/api/v1/audit']?.['get'];
    const integration = paths['/api/v1/integrations/{id}/audit']?.['get'];
    expect(tenant?.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'action',
      'after',
      'integrationId',
      'limit',
    ]);
    expect(integration?.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'action',
      'after',
      'id',
      'limit',
    ]);
    expect(Object.keys(integration?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
    ]);
  });

  describe('with the audit table refusing credential entries', () => {
    beforeEach(async () => {
      // For real, in the database: a trigger that fails every secret.* insert of this schema.
      await admin.query(`CREATE FUNCTION ${schema()}.refuse_secret_audit() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW."action" LIKE 'secret.%' THEN RAISE EXCEPTION 'audit trail offline (spec)'; END IF;
          RETURN NEW;
        END $$`);
      await admin.query(`CREATE TRIGGER refuse_secret_audit BEFORE INSERT ON ${schema()}."audit_log"
        FOR EACH ROW EXECUTE FUNCTION ${schema()}.refuse_secret_audit()`);
    });

    afterEach(async () => {
      jest.restoreAllMocks();
      await admin.query(`DROP TRIGGER IF EXISTS refuse_secret_audit ON ${schema()}."audit_log"`);
      await admin.query(`DROP FUNCTION IF EXISTS ${schema()}.refuse_secret_audit()`);
    });

    /** Wraps the built-in plugin so that the spec sees what its `secrets.get('token')` gave it. */
    function inMemoryPlugin(): InMemoryConnectorPlugin {
      // Loaded by the service by package name: its class is not this file's import of it.
      const plugin = t.app.get(PluginRegistry).get('scm', 'in-memory');
      if (plugin === undefined || !('callCount' in plugin)) throw new Error('no in-memory plugin');
      return plugin as InMemoryConnectorPlugin;
    }

    function watchTheToken(): { values: string[]; errors: Error[] } {
      const plugin = inMemoryPlugin();
      const seen = { values: [] as string[], errors: [] as Error[] };
      for (const operation of ['testConnection', 'checkHealth'] as const) {
        const original = plugin[operation].bind(plugin);
        jest
          .spyOn(plugin, operation)
          .mockImplementation(async (config: IntegrationConfig, signal: AbortSignal) => {
            await config.secrets.get('token', signal).then(
              (value) => seen.values.push(value),
              (error: Error) => seen.errors.push(error),
            );
            return original(config, signal);
          });
      }
      return seen;
    }

    it('resolves no secret: the test and the check fail saying the audit trail is unavailable, and the plugin never gets the token', async () => {
      const id = await register();
      const seen = watchTheToken();

      const tested = await t.request('POST', `/api/v1/integrations/${id}/test`, {
        token: operator,
      });
      const checked = await t.request('POST', `/api/v1/integrations/${id}/health/check`, {
        token: operator,
      });
      for (const result of [tested, checked]) {
        expect(result.status).toBe(200);
        expect(result.body).toMatchObject({
          success: false,
          status: 'unhealthy',
          // The credential could not be obtained for now: the authentication step, retried later.
          phase: 'auth',
          isTransient: true,
          message:
            "credential 'token' is unavailable: the audit trail is unavailable, and a credential is handed out only once its access is recorded",
        });
        expect(result.text).not.toContain(TOKEN_VALUE);
      }
      // What the wrapper's get gave it, in the test and in the check: a refusal each time.
      expect(seen.values).toEqual([]);
      expect(seen.errors).toHaveLength(2);
      expect(seen.errors.map((error) => error.name)).toEqual([
        'SecretUnavailableError',
        'SecretUnavailableError',
      ]);
      // The plugin stopped at the secret: no call got as far as its simulated provider.
      expect(inMemoryPlugin().callCount({ integrationId: id, tenantId: 'acme', name: '' })).toBe(0);

      // Nothing about the token was recorded; the failed test and check themselves were.
      const trail = await read(`/api/v1/integrations/${id}/audit`);
      expect(trail.body.items.map((entry) => entry.action)).toEqual([
        'integration.health-check',
        'integration.test',
        'integration.register',
      ]);
      expect(trail.body.items[0]?.details).toMatchObject({ success: false, phase: 'auth' });
    });

    it('resolves again once the trail can be written', async () => {
      const id = await register();
      const refused = await t.request('POST', `/api/v1/integrations/${id}/test`, {
        token: operator,
      });
      expect(refused.body).toMatchObject({ success: false, phase: 'auth' });
      await admin.query(`DROP TRIGGER refuse_secret_audit ON ${schema()}."audit_log"`);
      const seen = watchTheToken();
      const tested = await t.request('POST', `/api/v1/integrations/${id}/test`, {
        token: operator,
      });
      expect(tested.body).toMatchObject({ success: true, status: 'healthy' });
      expect(seen.values).toEqual([TOKEN_VALUE]);
      // The refused test never got as far as the provider; this one did.
      expect(inMemoryPlugin().callCount({ integrationId: id, tenantId: 'acme', name: '' })).toBe(1);
      const trail = await read(`/api/v1/integrations/${id}/audit?action=secret.`);
      // The wrapper's resolution and the plugin's: each is an entry.
      expect(trail.body.items.map((entry) => entry.action)).toEqual([
        'secret.resolved',
        'secret.resolved',
      ]);
    });
  });
});
