import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { AuthRef } from '@stellaops/integrations-core';
import { generate } from 'selfsigned';
import { FakeVault } from '../../testing/fake-vault';
import type { SecretAccessContext } from '../secret-access-context';
import type { VaultConfig } from '../stores.config';
import { VaultSecretResolver } from './vault-secret-resolver';
import { resolutionFailure } from '../../testing/resolution-failure';

const TOKEN = 'hvs.operator-token';
const ROLE = { roleId: 'integrations-role', secretId: 'integrations-secret-id' };
const VALUES = ['pem-v1', 'pem-v2', 'pem-v3', 'ci-token-value', 'globex-value', 'ns-value'];

const acme: SecretAccessContext = {
  tenantId: 'acme',
  integrationId: 'i-1',
  actor: 'alice',
  purpose: 'test',
};
const globex: SecretAccessContext = { ...acme, tenantId: 'globex' };

function silentLogger(): LoggerService & { warn: jest.Mock } {
  return { log: jest.fn(), error: jest.fn(), warn: jest.fn() };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('VaultSecretResolver against a KV v2 Vault', () => {
  let vault: FakeVault;
  let clock: number;
  let opened: VaultSecretResolver[];

  beforeEach(async () => {
    clock = 1_000_000;
    vault = await FakeVault.start({ now: () => clock });
    opened = [];
    vault.addToken(TOKEN, { policies: ['secret/data/tenants/+/*'] });
    vault.put('secret/tenants/acme/github/app', { privateKey: 'pem-v1', appId: '42' });
    vault.put('secret/tenants/acme/github/app', { privateKey: 'pem-v2', appId: '42' });
    vault.put('secret/tenants/acme/github/app', { privateKey: 'pem-v3', appId: '42' });
    vault.put('secret/tenants/acme/ci/token', { token: 'ci-token-value' });
    vault.put('secret/tenants/acme/odd', { number: 7, blank: '' });
    vault.put('secret/tenants/acme/nothing', {});
    vault.put('secret/tenants/globex/ci/token', { token: 'globex-value' });
  });

  afterEach(async () => {
    for (const resolver of opened) await resolver.onApplicationShutdown();
    await vault.close();
  });

  function open(config: Partial<VaultConfig> = {}, logger = silentLogger()) {
    const resolver = VaultSecretResolver.fromConfig(
      {
        address: vault.url,
        auth: { method: 'token', token: TOKEN },
        namespace: undefined,
        tenantPrefix: ['tenants', '{tenant}'],
        timeoutMs: 2_000,
        caPem: undefined,
        ...config,
      },
      { logger, now: () => clock },
    );
    opened.push(resolver);
    return resolver;
  }

  function appRole(config: Partial<VaultConfig> = {}, logger = silentLogger()) {
    return open({ auth: { method: 'approle', ...ROLE, mountPath: 'approle' }, ...config }, logger);
  }

  function resolve(
    resolver: VaultSecretResolver,
    uri: string,
    context = acme,
    signal?: AbortSignal,
  ) {
    return resolver.resolve(AuthRef.parse(uri), context, signal);
  }

  describe('versions and fields', () => {
    it('reads the latest version, or the pinned one, with the token and no namespace', async () => {
      const resolver = open();
      await expect(resolve(resolver, 'authref://vault/secret/github/app#privateKey')).resolves.toBe(
        'pem-v3',
      );
      await expect(
        resolve(resolver, 'authref://vault/secret/github/app@1#privateKey'),
      ).resolves.toBe('pem-v1');
      expect(
        vault.requests.map(({ method, path, query, token, namespace }) => ({
          method,
          path,
          query,
          token,
          namespace,
        })),
      ).toEqual([
        {
          method: 'GET',
          path: '/v1/secret/data/tenants/acme/github/app',
          query: {},
          token: TOKEN,
          namespace: undefined,
        },
        {
          method: 'GET',
          path: '/v1/secret/data/tenants/acme/github/app',
          query: { version: '1' },
          token: TOKEN,
          namespace: undefined,
        },
      ]);
    });

    it('gives the only field of a secret without #key, and says which fields there are otherwise', async () => {
      const resolver = open();
      await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe(
        'ci-token-value',
      );
      expect(await failure(resolve(resolver, 'authref://vault/secret/github/app'))).toEqual({
        message:
          "vault secret 'secret/github/app' has 2 fields (appId, privateKey): name one with #<field>",
        isTransient: false,
      });
    });

    it.each([
      [
        'authref://vault/secret/github/app#nope',
        "vault secret 'secret/github/app' has no field 'nope'",
      ],
      [
        'authref://vault/secret/odd#number',
        "field 'number' of vault secret 'secret/odd' is not a string",
      ],
      ['authref://vault/secret/odd#blank', "field 'blank' of vault secret 'secret/odd' is empty"],
      ['authref://vault/secret/nothing', "vault secret 'secret/nothing' has no fields"],
    ])('refuses %s for good, saying why', async (uri, message) => {
      expect(await failure(resolve(open(), uri))).toEqual({ message, isTransient: false });
    });

    it('says a pinned version was deleted or destroyed, and how to recover', async () => {
      vault.deleteVersion('secret/tenants/acme/github/app', 2);
      vault.destroyVersion('secret/tenants/acme/github/app', 1);
      const resolver = open();
      const deleted = await failure(
        resolve(resolver, 'authref://vault/secret/github/app@2#privateKey'),
      );
      expect(deleted.isTransient).toBe(false);
      expect(deleted.message).toMatch(
        /^version 2 of vault secret 'secret\/github\/app' was deleted at \d{4}-\d\d-\d\dT[^ ]+: undelete it \(vault kv undelete -mount=secret -versions=2 tenants\/acme\/github\/app\), or reference another version/,
      );
      expect(
        await failure(resolve(resolver, 'authref://vault/secret/github/app@1#privateKey')),
      ).toEqual({
        message:
          "version 1 of vault secret 'secret/github/app' was destroyed and cannot be recovered: write a new version, or reference another one (…@<version>)",
        isTransient: false,
      });
      // The live version is still read.
      await expect(
        resolve(resolver, 'authref://vault/secret/github/app@3#privateKey'),
      ).resolves.toBe('pem-v3');
    });

    it('says so when the latest version is deleted (Vault does not fall back to an older one)', async () => {
      vault.deleteVersion('secret/tenants/acme/github/app', 3);
      const { message, isTransient } = await failure(
        resolve(open(), 'authref://vault/secret/github/app#privateKey'),
      );
      expect(message).toMatch(/^version 3 of vault secret 'secret\/github\/app' was deleted at /);
      expect(isTransient).toBe(false);
    });
  });

  describe('answers that are failures', () => {
    it('reports a missing secret or version, and a missing mount, as permanent (404)', async () => {
      const resolver = open();
      expect(await failure(resolve(resolver, 'authref://vault/secret/missing'))).toEqual({
        message:
          "vault secret 'secret/missing' does not exist for this tenant (Vault path secret/data/tenants/acme/missing)",
        isTransient: false,
      });
      expect(await failure(resolve(resolver, 'authref://vault/secret/ci/token@9'))).toEqual({
        message:
          "vault secret 'secret/ci/token' (version 9) does not exist for this tenant (Vault path secret/data/tenants/acme/ci/token)",
        isTransient: false,
      });
      vault.addToken('hvs.everything', { policies: ['*'] });
      expect(
        await failure(
          resolve(
            open({ auth: { method: 'token', token: 'hvs.everything' } }),
            'authref://vault/kv/x',
          ),
        ),
      ).toEqual({
        message:
          "no secrets engine is mounted at 'kv' in Vault: the reference's first segment is the KV version 2 mount",
        isTransient: false,
      });
    });

    it('reports permission denied (403) as permanent, naming the policy to grant', async () => {
      vault.addToken('hvs.narrow', { policies: ['secret/data/tenants/globex/*'] });
      expect(
        await failure(
          resolve(
            open({ auth: { method: 'token', token: 'hvs.narrow' } }),
            'authref://vault/secret/ci/token',
          ),
        ),
      ).toEqual({
        message:
          'the service\'s Vault token may not read secret/data/tenants/acme/ci/token (403 permission denied): its policy needs path "secret/data/tenants/acme/*" { capabilities = ["read"] }, and VAULT_TOKEN must be valid',
        isTransient: false,
      });
    });

    it('reports a sealed Vault (503) as transient, and reads again once unsealed', async () => {
      const resolver = open();
      vault.seal();
      expect(await failure(resolve(resolver, 'authref://vault/secret/ci/token'))).toEqual({
        message: 'Vault is sealed (503: Vault is sealed): it answers again once it is unsealed',
        isTransient: true,
      });
      vault.unseal();
      await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe(
        'ci-token-value',
      );
    });

    it('gives up on a slow Vault at VAULT_TIMEOUT_MS, as transient', async () => {
      vault.delayMs = 10_000;
      const started = performance.now();
      const result = await failure(
        resolve(open({ timeoutMs: 300 }), 'authref://vault/secret/ci/token'),
      );
      const elapsed = performance.now() - started;
      expect(result).toEqual({
        message: 'Vault did not answer within VAULT_TIMEOUT_MS (300 ms)',
        isTransient: true,
      });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(300 + 1_000);
    });

    it('stops when the caller aborts, as transient', async () => {
      vault.delayMs = 10_000;
      const controller = new AbortController();
      const pending = resolve(open(), 'authref://vault/secret/ci/token', acme, controller.signal);
      setTimeout(() => controller.abort(), 50);
      expect(await failure(pending)).toEqual({
        message: 'the resolution was aborted before Vault answered',
        isTransient: true,
      });
    });

    it('reports a Vault that is down as transient, without its address', async () => {
      const port = await closedPort();
      const { message, isTransient } = await failure(
        resolve(open({ address: `http://127.0.0.1:${port}` }), 'authref://vault/secret/ci/token'),
      );
      expect(message).toBe(
        'cannot reach Vault (ECONNREFUSED): check VAULT_ADDR and that Vault is up',
      );
      expect(message).not.toContain(`${port}`);
      expect(isTransient).toBe(true);
    });
  });

  describe("the tenant's prefix", () => {
    it("reads only under the tenant's own prefix, whatever the token may read", async () => {
      vault.addToken('hvs.everything', { policies: ['secret/data/*'] });
      const resolver = open({ auth: { method: 'token', token: 'hvs.everything' } });
      await expect(resolve(resolver, 'authref://vault/secret/ci/token', globex)).resolves.toBe(
        'globex-value',
      );
      await expect(resolve(resolver, 'authref://vault/secret/ci/token', acme)).resolves.toBe(
        'ci-token-value',
      );
      // Naming another tenant's prefix only reaches deeper into one's own.
      const { message } = await failure(
        resolve(resolver, 'authref://vault/secret/tenants/globex/ci/token', acme),
      );
      expect(message).toContain('secret/data/tenants/acme/tenants/globex/ci/token');
      expect(vault.requestsTo('/data/').map((request) => request.path)).toEqual([
        '/v1/secret/data/tenants/globex/ci/token',
        '/v1/secret/data/tenants/acme/ci/token',
        '/v1/secret/data/tenants/acme/tenants/globex/ci/token',
      ]);
    });

    it('refuses traversal and a tenant without a plain name before sending anything', async () => {
      const resolver = open();
      const forged = {
        store: 'vault',
        path: 'secret/../globex/ci/token',
        key: undefined,
      } as unknown as AuthRef;
      expect(resolver.refusal(forged, 'acme')).toMatch(/must stay inside the tenant's prefix/);
      expect((await failure(resolver.resolve(forged, acme))).message).toMatch(
        /must stay inside the tenant's prefix/,
      );
      const escaping = { ...acme, tenantId: '../globex' };
      expect(
        (await failure(resolve(resolver, 'authref://vault/secret/ci/token', escaping))).message,
      ).toMatch(/no prefix for this tenant/);
      expect(vault.requests).toEqual([]);
    });

    it('uses the configured prefix', async () => {
      vault.addToken('hvs.org', { policies: ['secret/data/org/+/integrations/*'] });
      vault.put('secret/org/acme/integrations/ci/token', { token: 'org-value' });
      const resolver = open({
        auth: { method: 'token', token: 'hvs.org' },
        tenantPrefix: ['org', '{tenant}', 'integrations'],
      });
      await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe('org-value');
    });
  });

  async function failure(
    promise: Promise<string>,
  ): Promise<{ message: string; isTransient: boolean }> {
    const { message, isTransient } = await resolutionFailure(promise, [
      ...VALUES,
      TOKEN,
      ROLE.secretId,
    ]);
    return { message, isTransient };
  }

  it('sends the namespace on every request', async () => {
    vault.mount('secret', 'team-a');
    vault.put('secret/tenants/acme/ci/token', { token: 'ns-value' }, 'team-a');
    vault.addAppRole({
      ...ROLE,
      policies: ['secret/data/tenants/+/*'],
      namespace: 'team-a',
      ttlSeconds: 60,
    });
    const resolver = appRole({ namespace: 'team-a' });
    await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe('ns-value');
    expect(vault.requests.map((request) => [request.path, request.namespace])).toEqual([
      ['/v1/auth/approle/login', 'team-a'],
      ['/v1/secret/data/tenants/acme/ci/token', 'team-a'],
    ]);
    // The same path outside the namespace is another secret.
    await expect(resolve(open(), 'authref://vault/secret/ci/token')).resolves.toBe(
      'ci-token-value',
    );
  });

  describe('AppRole', () => {
    beforeEach(() => {
      vault.addAppRole({
        ...ROLE,
        policies: ['secret/data/tenants/+/*'],
        ttlSeconds: 60,
        maxTtlSeconds: 150,
      });
    });

    it('logs in once and reuses the token, concurrent first calls included', async () => {
      const resolver = appRole();
      await Promise.all([1, 2, 3].map(() => resolve(resolver, 'authref://vault/secret/ci/token')));
      clock += 30_000;
      await resolve(resolver, 'authref://vault/secret/ci/token');
      expect(vault.requestsTo('/login')).toHaveLength(1);
      expect(vault.requestsTo('/login')[0]?.body).toEqual({
        role_id: ROLE.roleId,
        secret_id: ROLE.secretId,
      });
      const [token] = vault.loginTokens();
      expect(vault.requestsTo('/data/').map((request) => request.token)).toEqual(
        Array(4).fill(token),
      );
    });

    it('renews the token before its lease ends, and logs in again near its max TTL', async () => {
      const resolver = appRole();
      await resolve(resolver, 'authref://vault/secret/ci/token');
      const [token] = vault.loginTokens();
      // Two thirds of the 60 s lease: renewed, same token, a full lease again.
      clock += 40_000;
      await resolve(resolver, 'authref://vault/secret/ci/token');
      expect(vault.requestsTo('renew-self').map((request) => request.token)).toEqual([token]);
      clock += 40_000;
      await resolve(resolver, 'authref://vault/secret/ci/token');
      expect(vault.requestsTo('renew-self')).toHaveLength(2);
      expect(vault.requestsTo('/login')).toHaveLength(1);
      // At 120 s a renewal reaches the max TTL (150 s): a 30 s lease, still a third of 60 s.
      clock += 40_000;
      await resolve(resolver, 'authref://vault/secret/ci/token');
      expect(vault.requestsTo('renew-self')).toHaveLength(3);
      expect(vault.requestsTo('/login')).toHaveLength(1);
      // At 140 s a renewal would leave 10 s: a new login instead.
      clock += 20_000;
      await resolve(resolver, 'authref://vault/secret/ci/token');
      expect(vault.requestsTo('renew-self')).toHaveLength(4);
      expect(vault.requestsTo('/login')).toHaveLength(2);
      const [, second] = vault.loginTokens();
      expect(vault.requestsTo('/data/').at(-1)?.token).toBe(second);
      expect(vault.isValid(token ?? '')).toBe(true);
    });

    it('logs in again when the token expired unnoticed', async () => {
      const resolver = appRole();
      await resolve(resolver, 'authref://vault/secret/ci/token');
      clock += 61_000;
      await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe(
        'ci-token-value',
      );
      expect(vault.requestsTo('renew-self')).toHaveLength(0);
      expect(vault.requestsTo('/login')).toHaveLength(2);
    });

    it('logs in again when Vault no longer knows the token, but not on a missing policy', async () => {
      const resolver = appRole();
      await resolve(resolver, 'authref://vault/secret/ci/token');
      const [first] = vault.loginTokens();
      vault.revoke(first ?? '');
      await expect(resolve(resolver, 'authref://vault/secret/ci/token')).resolves.toBe(
        'ci-token-value',
      );
      expect(vault.requestsTo('/login')).toHaveLength(2);
      // A valid token without the policy: lookup-self says it is known, no login is spent.
      const narrow = await failure(resolve(resolver, 'authref://vault/other/x'));
      expect(narrow.message).toMatch(
        /^the service's Vault token may not read other\/data\/tenants\/acme\/x \(403 permission denied\)/,
      );
      expect(narrow.message).not.toContain('VAULT_TOKEN');
      expect(vault.requestsTo('lookup-self')).toHaveLength(2);
      expect(vault.requestsTo('/login')).toHaveLength(2);
    });

    it('reports a refused login as permanent, without the role ID', async () => {
      const resolver = open({
        auth: {
          method: 'approle',
          roleId: 'integrations-role',
          secretId: 'wrong',
          mountPath: 'approle',
        },
      });
      const { message, isTransient } = await failure(
        resolve(resolver, 'authref://vault/secret/ci/token'),
      );
      expect(message).toBe(
        "Vault refused the service's AppRole login (400): check VAULT_ROLE_ID and VAULT_SECRET_ID (a secret ID expires and may be limited in uses) and VAULT_APPROLE_PATH",
      );
      expect(message).not.toContain(ROLE.roleId);
      expect(isTransient).toBe(false);
      expect(vault.requestsTo('/data/')).toEqual([]);
    });

    it('bounds a slow login by VAULT_TIMEOUT_MS', async () => {
      vault.delayMs = 10_000;
      const started = performance.now();
      expect(
        await failure(resolve(appRole({ timeoutMs: 300 }), 'authref://vault/secret/ci/token')),
      ).toEqual({
        message: 'Vault did not answer within VAULT_TIMEOUT_MS (300 ms)',
        isTransient: true,
      });
      expect(performance.now() - started).toBeLessThan(300 + 1_000);
    });

    it('reports a sealed Vault at login as transient', async () => {
      vault.seal();
      expect(await failure(resolve(appRole(), 'authref://vault/secret/ci/token'))).toMatchObject({
        message: 'Vault is sealed (503: Vault is sealed): it answers again once it is unsealed',
        isTransient: true,
      });
    });

    it('revokes its token at shutdown', async () => {
      const resolver = appRole();
      await resolve(resolver, 'authref://vault/secret/ci/token');
      const [token] = vault.loginTokens();
      expect(vault.isValid(token ?? '')).toBe(true);
      await resolver.onApplicationShutdown();
      expect(vault.isValid(token ?? '')).toBe(false);
      expect(vault.requestsTo('revoke-self').map((request) => request.token)).toEqual([token]);
    });

    it('says at shutdown when the token could not be revoked', async () => {
      const logger = silentLogger();
      const resolver = appRole({}, logger);
      await resolve(resolver, 'authref://vault/secret/ci/token');
      vault.seal();
      await resolver.onApplicationShutdown();
      expect(logger.warn).toHaveBeenCalledWith(
        "could not revoke the service's Vault token at shutdown (Vault is sealed (503: Vault is sealed): it answers again once it is unsealed); it lapses at the end of its lease",
      );
    });
  });

  describe('over TLS', () => {
    let tlsVault: FakeVault;
    let caPem: string;

    beforeAll(async () => {
      const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
        keyType: 'ec',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      caPem = pems.cert;
      tlsVault = await FakeVault.start({ tls: { key: pems.private, cert: pems.cert } });
      tlsVault.addToken(TOKEN, { policies: ['secret/data/tenants/+/*'] });
      tlsVault.put('secret/tenants/acme/ci/token', { token: 'ci-token-value' });
    });

    afterAll(async () => {
      await tlsVault.close();
    });

    it('trusts VAULT_CA_FILE, and says to set it when the certificate is unknown', async () => {
      const untrusted = await failure(
        resolve(open({ address: tlsVault.url }), 'authref://vault/secret/ci/token'),
      );
      expect(untrusted.message).toMatch(
        /^the TLS connection to Vault failed \([A-Z_]+\): trust its certificate authority with VAULT_CA_FILE$/,
      );
      expect(untrusted.isTransient).toBe(false);
      await expect(
        resolve(open({ address: tlsVault.url, caPem }), 'authref://vault/secret/ci/token'),
      ).resolves.toBe('ci-token-value');
    });
  });
});
