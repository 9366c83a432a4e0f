import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { AuthRef } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { FakeVault } from '../testing/fake-vault';
import { CachingSecretResolver } from './caching-secret-resolver';
import type { SecretResolver } from './secret-resolver';
import { SECRET_RESOLVERS } from './secret-resolver';
import { SecretsModule } from './secrets.module';
import { SecretsService } from './secrets.service';

const TOKEN = 'hvs.module-spec';
const context = {
  tenantId: 'acme',
  integrationId: 'i-1',
  actor: 'alice',
  purpose: 'test' as const,
};

/** Stands in for the global DatabaseModule: only the audit log is used here. */
function fakeDatabase(): DynamicModule {
  return {
    module: class FakeDatabaseModule {},
    global: true,
    providers: [
      {
        provide: Database,
        useValue: { audit: { record: jest.fn().mockResolvedValue(undefined) } },
      },
    ],
    exports: [Database],
  };
}

describe('SecretsModule', () => {
  let vault: FakeVault;
  let modules: TestingModule[];

  beforeAll(async () => {
    vault = await FakeVault.start();
    vault.addToken(TOKEN, { policies: ['secret/data/tenants/+/*'] });
    vault.put('secret/tenants/acme/ci/token', { token: 'v1' });
  });

  afterAll(async () => {
    await vault.close();
  });

  beforeEach(() => {
    modules = [];
  });

  afterEach(async () => {
    for (const moduleRef of modules) await moduleRef.close();
    jest.restoreAllMocks();
  });

  async function compile(env: Record<string, string>): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadServiceConfig(env)), fakeDatabase(), SecretsModule],
    }).compile();
    modules.push(moduleRef);
    return moduleRef;
  }

  it('has no vault or authority store unless they are configured', async () => {
    const secrets = (await compile({})).get(SecretsService);
    expect(secrets.supportedStores()).toEqual(['env', 'file']);
    expect(secrets.refusal('acme', AuthRef.parse('authref://vault/secret/ci/token'))).toBe(
      "its AuthRef store 'vault' is not supported here (supported: env, file)",
    );
  });

  it('registers each configured remote store behind the cache', async () => {
    const moduleRef = await compile({
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: TOKEN,
      AUTHORITY_URL: 'http://127.0.0.1:9',
      AUTHORITY_TOKEN: 'x',
    });
    expect(moduleRef.get(SecretsService).supportedStores()).toEqual([
      'authority',
      'env',
      'file',
      'vault',
    ]);
    const resolvers = moduleRef.get<readonly SecretResolver[]>(SECRET_RESOLVERS);
    expect(
      resolvers.filter((resolver) => resolver instanceof CachingSecretResolver).map((r) => r.store),
    ).toEqual(['vault', 'authority']);
  });

  it('answers from the cache within SECRETS_CACHE_TTL_MS, and empties it at shutdown', async () => {
    const moduleRef = await compile({ VAULT_ADDR: vault.url, VAULT_TOKEN: TOKEN });
    const accessor = moduleRef
      .get(SecretsService)
      .accessorFor(context, { token: 'authref://vault/secret/ci/token' });
    await expect(accessor.get('token')).resolves.toBe('v1');
    await expect(accessor.get('token')).resolves.toBe('v1');
    expect(vault.requestsTo('/data/')).toHaveLength(1);
    const [cache] = moduleRef
      .get<readonly SecretResolver[]>(SECRET_RESOLVERS)
      .filter((resolver) => resolver instanceof CachingSecretResolver);
    expect((cache as CachingSecretResolver).size).toBe(1);
    await moduleRef.close();
    modules = [];
    expect((cache as CachingSecretResolver).size).toBe(0);
  });

  it('warns at start about a credential sent over plain http beyond this machine', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await compile({
      VAULT_ADDR: 'http://vault.internal:8200',
      VAULT_TOKEN: TOKEN,
      AUTHORITY_URL: 'http://127.0.0.1:9',
      AUTHORITY_TOKEN: 'x',
    });
    expect(warn).toHaveBeenCalledWith(
      "VAULT_ADDR is a plain http:// URL: the service's credential crosses the network unencrypted; use https://",
    );
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('AUTHORITY_URL'));
  });
});
