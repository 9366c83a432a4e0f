import { FakeAuthority } from '../../testing/fake-authority';
import { FakeVault } from '../../testing/fake-vault';
import { inMemoryDraft } from '../../testing/in-memory-draft';
import type { TestApp } from '../../testing/test-app';
import { startTestApp } from '../../testing/test-app';

const VAULT_TOKEN = 'hvs.end-to-end-operator-token';
const AUTHORITY_TOKEN = 'end-to-end-authority-credential';
const VAULT_VALUE = 'vault-token-value-never-shown';
const AUTHORITY_VALUE = 'authority-token-value-never-shown';
const AUTHORITY_REF = 'authref://authority/scm/token';

/**
 * The remote stores through the service: an in-memory registration whose `token` slot is a vault
 * (or authority) reference, tested over HTTP. The plugin resolves the slot at every test; with no
 * cache (SECRETS_CACHE_TTL_MS=0), a sealed Vault fails the very next test, as a transient failure
 * in phase auth, answered 200 with the check result.
 */
describe('remote secret stores through the service', () => {
  let vault: FakeVault;
  let authority: FakeAuthority;
  let t: TestApp;

  beforeAll(async () => {
    vault = await FakeVault.start();
    vault.addToken(VAULT_TOKEN, { policies: ['secret/data/tenants/+/*'] });
    vault.put('secret/tenants/acme/scm/token', { token: VAULT_VALUE });
    authority = await FakeAuthority.start({ token: AUTHORITY_TOKEN });
    authority.grant('acme', AUTHORITY_REF, AUTHORITY_VALUE);
    t = await startTestApp({
      env: {
        VAULT_ADDR: vault.url,
        VAULT_TOKEN,
        VAULT_TIMEOUT_MS: '500',
        AUTHORITY_URL: authority.url,
        AUTHORITY_TOKEN,
        SECRETS_CACHE_TTL_MS: '0',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
    await vault?.close();
    await authority?.close();
  });

  async function register(reference: string): Promise<string> {
    const created = await t.request('POST', '/api/v1/integrations', {
      body: inMemoryDraft({ credentials: { token: reference } }),
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  async function test(id: string) {
    const result = await t.request('POST', `/api/v1/integrations/${id}/test`);
    expect(result.status).toBe(200);
    for (const secret of [VAULT_VALUE, AUTHORITY_VALUE, VAULT_TOKEN, AUTHORITY_TOKEN]) {
      expect(result.text).not.toContain(secret);
    }
    return result.body;
  }

  it("resolves a vault reference in the tenant's prefix at each test, and fails transiently in phase auth while Vault is sealed", async () => {
    const id = await register('authref://vault/secret/scm/token');
    expect(await test(id)).toMatchObject({
      success: true,
      status: 'healthy',
      details: { tokenResolved: true },
    });
    expect(vault.requestsTo('/data/').map((request) => [request.path, request.token])).toEqual([
      ['/v1/secret/data/tenants/acme/scm/token', VAULT_TOKEN],
    ]);

    vault.seal();
    try {
      expect(await test(id)).toMatchObject({
        success: false,
        isTransient: true,
        phase: 'auth',
        message:
          "credential 'token' is unavailable: Vault is sealed (503: Vault is sealed): it answers again once it is unsealed",
      });
    } finally {
      vault.unseal();
    }
    expect(await test(id)).toMatchObject({ success: true });
    expect(vault.requestsTo('/data/')).toHaveLength(3);
  });

  it('fails a test in phase config when the secret does not exist (permanent)', async () => {
    const id = await register('authref://vault/secret/scm/missing');
    expect(await test(id)).toMatchObject({ success: false, isTransient: false, phase: 'config' });
  });

  it('refuses at registration a vault reference to a Vault system path, sending nothing', async () => {
    const refused = await t.request('POST', '/api/v1/integrations', {
      body: inMemoryDraft({ credentials: { token: 'authref://vault/sys/policy' } }),
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("'sys' is a Vault system path, not a KV version 2 mount");
    expect(vault.requestsTo('/sys/')).toEqual([]);
  });

  it('resolves an authority reference, telling the Authority the tenant and the integration', async () => {
    const id = await register(AUTHORITY_REF);
    expect(await test(id)).toMatchObject({ success: true, details: { tokenResolved: true } });
    expect(authority.requests.map((request) => request.body)).toEqual([
      {
        tenant: 'acme',
        reference: AUTHORITY_REF,
        integrationId: id,
        purpose: 'test',
        actor: 'e2e-user',
      },
    ]);
    authority.failWith = 503;
    try {
      expect(await test(id)).toMatchObject({ success: false, isTransient: true, phase: 'auth' });
    } finally {
      authority.failWith = undefined;
    }
    expect(authority.withoutTenant).toEqual([]);
  });
});
