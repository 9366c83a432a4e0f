import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthRef } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import { SecretUnavailableError } from '@stellaops/integrations-plugin-abstractions';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { redactionForms } from '../plugins/redact-secrets';
import { EnvAllowList } from './env-allow-list';
import { ENV_NOT_ALLOWED, EnvSecretResolver } from './env-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';
import { SECRET_RESOLVERS } from './secret-resolver';
import { SecretsModule } from './secrets.module';
import { SECRET_REFUSED_ACTION, SECRET_RESOLVED_ACTION, SecretsService } from './secrets.service';

const ENV_NAME = 'SPEC_SECRETS_TOKEN';
const ENV_ALLOW = 'SPEC_SECRETS_*';
const ENV_VALUE = 'env-token-value';
const FILE_VALUE = 'file-token-value';

/** Stands in for the global DatabaseModule: only the audit log is used here. */
function fakeDatabase(record: jest.Mock): DynamicModule {
  return {
    module: class FakeDatabaseModule {},
    global: true,
    providers: [{ provide: Database, useValue: { audit: { record } } }],
    exports: [Database],
  };
}

describe('SecretsService', () => {
  let dataDir: string;
  let record: jest.Mock;
  let secrets: SecretsService;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'secrets-service-'));
    await mkdir(path.join(dataDir, 'secrets', 't1', 'gh'), { recursive: true });
    await writeFile(path.join(dataDir, 'secrets', 't1', 'gh', 'token'), `${FILE_VALUE}\n`);
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    process.env[ENV_NAME] = ENV_VALUE;
    record = jest.fn().mockResolvedValue(undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadServiceConfig({ DATA_DIR: dataDir, SECRETS_ENV_ALLOW: ENV_ALLOW }),
        ),
        fakeDatabase(record),
        SecretsModule,
      ],
    }).compile();
    secrets = moduleRef.get(SecretsService);
  });

  afterEach(() => {
    delete process.env[ENV_NAME];
    jest.restoreAllMocks();
  });

  const context = {
    tenantId: 't1',
    integrationId: 'i-1',
    actor: 'alice',
    purpose: 'test' as const,
  };
  const credentials = {
    token: `authref://env/${ENV_NAME}`,
    key: 'authref://file/gh/token',
    vault: 'authref://vault/kv/data/x#y',
    broken: 'plaintext-password',
    unset: 'authref://env/SPEC_SECRETS_UNSET',
    service: 'authref://env/AUTH_JWT_SECRET',
    other: 'authref://env/PATH',
  };

  async function unavailable(promise: Promise<unknown>): Promise<SecretUnavailableError> {
    const error: unknown = await promise.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    const message = (error as Error).message;
    for (const value of [ENV_VALUE, FILE_VALUE, 'plaintext-password', dataDir]) {
      expect(message).not.toContain(value);
    }
    return error as SecretUnavailableError;
  }

  it('offers the built-in env and file stores', () => {
    expect(secrets.supportedStores()).toEqual(['env', 'file']);
  });

  it("resolves slots from the environment and from the tenant's secrets folder", async () => {
    const accessor = secrets.accessorFor(context, credentials);
    expect(accessor.slots).toEqual([
      'broken',
      'key',
      'other',
      'service',
      'token',
      'unset',
      'vault',
    ]);
    expect(accessor.has('token')).toBe(true);
    expect(accessor.has('nothing')).toBe(false);
    await expect(accessor.get('token')).resolves.toBe(ENV_VALUE);
    await expect(accessor.get('key')).resolves.toBe(FILE_VALUE);
    expect([...accessor.resolvedValues()].sort()).toEqual(
      [...new Set([...redactionForms(ENV_VALUE), ...redactionForms(FILE_VALUE)])].sort(),
    );
  });

  it('resolves again on every get, so a rotated secret is used at once', async () => {
    const accessor = secrets.accessorFor(context, credentials);
    await expect(accessor.get('token')).resolves.toBe(ENV_VALUE);
    process.env[ENV_NAME] = 'rotated-value';
    await expect(accessor.get('token')).resolves.toBe('rotated-value');
    expect(accessor.resolvedValues()).toEqual(expect.arrayContaining([ENV_VALUE, 'rotated-value']));
  });

  it('audits each resolution with its slot and store, never the value or the location', async () => {
    const accessor = secrets.accessorFor(context, credentials);
    await accessor.get('token');
    await accessor.get('key');
    await accessor.get('token');
    expect(record).toHaveBeenCalledTimes(3);
    expect(record).toHaveBeenNthCalledWith(1, {
      tenantId: 't1',
      actor: 'alice',
      action: SECRET_RESOLVED_ACTION,
      integrationId: 'i-1',
      details: { slot: 'token', store: 'env' },
    });
    expect(record).toHaveBeenNthCalledWith(
      2,
      expect.objectContaining({ details: { slot: 'key', store: 'file' } }),
    );
    const audited = JSON.stringify(record.mock.calls);
    expect(audited).not.toContain(ENV_VALUE);
    expect(audited).not.toContain(ENV_NAME);
    expect(audited).not.toContain('gh/token');
  });

  it('audits a draft without an integration id', async () => {
    const accessor = secrets.accessorFor({ ...context, integrationId: null }, credentials);
    await accessor.get('token');
    expect(record).toHaveBeenCalledWith(expect.objectContaining({ integrationId: null }));
  });

  it('still hands out the value when the audit write fails, and warns', async () => {
    record.mockRejectedValue(new Error('audit table is gone'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const accessor = secrets.accessorFor(context, credentials);
    await expect(accessor.get('token')).resolves.toBe(ENV_VALUE);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /could not audit .*'token'.*audit table is gone/,
    );
    expect(String(warn.mock.calls[0]?.[0])).not.toContain(ENV_VALUE);
  });

  it('rejects an unknown slot, a malformed reference, an unsupported store or a missing value', async () => {
    const accessor = secrets.accessorFor(context, credentials);
    const unknownSlot = await unavailable(accessor.get('nothing'));
    expect(unknownSlot.slot).toBe('nothing');
    expect(unknownSlot.message).toBe(
      "credential 'nothing' is unavailable: no reference is configured for this slot",
    );
    expect((await unavailable(accessor.get('broken'))).message).toMatch(/not a valid AuthRef URI/);
    expect((await unavailable(accessor.get('vault'))).message).toBe(
      "credential 'vault' is unavailable: its AuthRef store 'vault' is not supported here (supported: env, file)",
    );
    const unset = await unavailable(accessor.get('unset'));
    expect(unset.message).toBe(
      "credential 'unset' is unavailable: environment variable SPEC_SECRETS_UNSET is not set",
    );
    expect(unset.isTransient).toBe(false);
    expect(record).not.toHaveBeenCalled();
    expect(accessor.resolvedValues()).toEqual([]);
  });

  it('refuses, audits and logs a reference the tenant may not use, set or not', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const accessor = secrets.accessorFor(context, credentials);
    const service = await unavailable(accessor.get('service'));
    const other = await unavailable(accessor.get('other'));
    expect(service.message).toBe(`credential 'service' is unavailable: ${ENV_NOT_ALLOWED}`);
    expect(other.message).toBe(`credential 'other' is unavailable: ${ENV_NOT_ALLOWED}`);
    expect(record).toHaveBeenCalledTimes(2);
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: SECRET_REFUSED_ACTION,
        details: { slot: 'service', store: 'env' },
      }),
    );
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /refused credential 'service' of integration i-1 \(tenant t1\)/,
    );
    expect(accessor.resolvedValues()).toEqual([]);
  });

  it('tells the registration check why a reference is refused, without looking it up', () => {
    const ref = (uri: string) => AuthRef.parse(uri);
    expect(secrets.refusal('t1', ref(`authref://env/${ENV_NAME}`))).toBeUndefined();
    expect(secrets.refusal('t1', ref('authref://env/SPEC_SECRETS_UNSET'))).toBeUndefined();
    expect(secrets.refusal('t1', ref('authref://env/AUTH_JWT_SECRET'))).toBe(ENV_NOT_ALLOWED);
    expect(secrets.refusal('t1', ref('authref://file/gh/token'))).toBeUndefined();
    expect(secrets.refusal('../t1', ref('authref://file/gh/token'))).toMatch(/no folder/);
    expect(secrets.refusal('t1', ref('authref://vault/kv/x'))).toMatch(/not supported here/);
  });

  it('does not resolve once the signal has fired', async () => {
    const accessor = secrets.accessorFor(context, credentials);
    const controller = new AbortController();
    controller.abort();
    const error = await unavailable(accessor.get('token', controller.signal));
    expect(error.isTransient).toBe(true);
    expect(record).not.toHaveBeenCalled();
  });

  describe('with SECRETS_TENANT_STORES', () => {
    async function withTenantStores(raw: string): Promise<SecretsService> {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(
            loadServiceConfig({
              DATA_DIR: dataDir,
              SECRETS_ENV_ALLOW: ENV_ALLOW,
              SECRETS_TENANT_STORES: raw,
            }),
          ),
          fakeDatabase(record),
          SecretsModule,
        ],
      }).compile();
      return moduleRef.get(SecretsService);
    }

    it('opens to each tenant only its stores', async () => {
      const service = await withTenantStores('t1=file;t2=env,file;*=');
      const envRef = AuthRef.parse(`authref://env/${ENV_NAME}`);
      expect(service.refusal('t1', envRef)).toBe(
        "its AuthRef store 'env' is not open to this tenant (the operator opens stores to tenants with SECRETS_TENANT_STORES)",
      );
      expect(service.refusal('t2', envRef)).toBeUndefined();
      expect(service.refusal('t3', envRef)).toMatch(/not open to this tenant/);
      const accessor = service.accessorFor(context, credentials);
      expect((await unavailable(accessor.get('token'))).message).toMatch(/not open to this tenant/);
      await expect(accessor.get('key')).resolves.toBe(FILE_VALUE);
    });

    it('gives unlisted tenants the stores of *', async () => {
      const service = await withTenantStores('t2=env;*=file');
      expect(service.refusal('t9', AuthRef.parse('authref://file/x'))).toBeUndefined();
      expect(service.refusal('t9', AuthRef.parse(`authref://env/${ENV_NAME}`))).toMatch(
        /not open to this tenant/,
      );
    });

    it('warns at start about a store this service does not have', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      await withTenantStores('t1=file,vault');
      expect(warn).toHaveBeenCalledWith(
        'SECRETS_TENANT_STORES names stores this service does not have (vault); supported: env, file',
      );
    });
  });

  describe('with other registered stores', () => {
    function withResolvers(resolvers: SecretResolver[]): Promise<SecretsService> {
      return Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(loadServiceConfig({ DATA_DIR: dataDir })),
          fakeDatabase(record),
          SecretsModule,
        ],
      })
        .overrideProvider(SECRET_RESOLVERS)
        .useValue(resolvers)
        .compile()
        .then((moduleRef) => moduleRef.get(SecretsService));
    }

    it('resolves through whichever resolvers are registered', async () => {
      const vault: SecretResolver = {
        store: 'vault',
        refusal: () => undefined,
        resolve: async (ref: AuthRef) => `vault:${ref.path}#${ref.key ?? ''}`,
      };
      const service = await withResolvers([new EnvSecretResolver(new EnvAllowList([]), {}), vault]);
      expect(service.supportedStores()).toEqual(['env', 'vault']);
      const accessor = service.accessorFor(context, credentials);
      await expect(accessor.get('vault')).resolves.toBe('vault:kv/data/x#y');
      expect(record).toHaveBeenCalledWith(
        expect.objectContaining({ details: { slot: 'vault', store: 'vault' } }),
      );
    });

    it("keeps a store's transient failures transient, and drops other errors' messages", async () => {
      const failing: SecretResolver = {
        store: 'vault',
        refusal: () => undefined,
        resolve: async (ref: AuthRef) => {
          if (ref.key === 'y')
            throw new SecretResolutionError('vault is sealed', { isTransient: true });
          throw new Error('response body: the-secret-itself');
        },
      };
      const service = await withResolvers([failing]);
      const sealed = await unavailable(service.accessorFor(context, credentials).get('vault'));
      expect(sealed.message).toBe("credential 'vault' is unavailable: vault is sealed");
      expect(sealed.isTransient).toBe(true);
      const other = await unavailable(
        service.accessorFor(context, { vault: 'authref://vault/kv/z' }).get('vault'),
      );
      expect(other.message).toBe(
        "credential 'vault' is unavailable: the 'vault' store failed (Error)",
      );
      expect(other.cause).toBeUndefined();
    });

    it('refuses two resolvers for one store', async () => {
      await expect(
        withResolvers([
          new EnvSecretResolver(new EnvAllowList([]), {}),
          new EnvSecretResolver(new EnvAllowList([]), {}),
        ]),
      ).rejects.toThrow("two secret resolvers claim the AuthRef store 'env'");
    });
  });
});
