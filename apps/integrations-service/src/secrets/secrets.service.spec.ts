import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { LOCAL_AUDIT_HMAC_KEY_FILE, ReferenceHmac } from '../audit/reference-hmac';
import { redactionForms } from '../plugins/redact-secrets';
import { EnvAllowList } from './env-allow-list';
import { ENV_NOT_ALLOWED, EnvSecretResolver } from './env-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';
import { SECRET_RESOLVERS } from './secret-resolver';
import { SecretsModule } from './secrets.module';
import {
  SECRET_FAILED_ACTION,
  SECRET_REFUSED_ACTION,
  SECRET_RESOLVED_ACTION,
  SecretsService,
} from './secrets.service';

const ENV_NAME = 'SPEC_SECRETS_TOKEN';
const ENV_ALLOW = 'SPEC_SECRETS_*';
const ENV_VALUE = 'env-token-value';
const FILE_VALUE = 'file-token-value';
const AUDIT_KEY = Buffer.alloc(32, 3);
const AUDIT_HMAC_KEY = AUDIT_KEY.toString('base64');
const hmacOf = (uri: string) => ReferenceHmac.fromKey(AUDIT_KEY).of(AuthRef.parse(uri));

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
          loadServiceConfig({ DATA_DIR: dataDir, SECRETS_ENV_ALLOW: ENV_ALLOW, AUDIT_HMAC_KEY }),
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

  function serviceWith(
    env: Record<string, string>,
    resolvers?: SecretResolver[],
  ): Promise<SecretsService> {
    const builder = Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadServiceConfig({ DATA_DIR: dataDir, SECRETS_ENV_ALLOW: ENV_ALLOW, ...env }),
        ),
        fakeDatabase(record),
        SecretsModule,
      ],
    });
    const built =
      resolvers === undefined
        ? builder
        : builder.overrideProvider(SECRET_RESOLVERS).useValue(resolvers);
    return built.compile().then((moduleRef) => moduleRef.get(SecretsService));
  }

  function withResolvers(resolvers: SecretResolver[]): Promise<SecretsService> {
    return serviceWith({ AUDIT_HMAC_KEY }, resolvers);
  }

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

  it('audits each resolution with tenant, integration, actor, slot, store, purpose and reference HMAC, never the value or the location', async () => {
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
      details: {
        slot: 'token',
        store: 'env',
        referenceHmac: hmacOf(credentials.token),
        purpose: 'test',
      },
    });
    expect(record).toHaveBeenNthCalledWith(
      2,
      expect.objectContaining({
        action: SECRET_RESOLVED_ACTION,
        details: {
          slot: 'key',
          store: 'file',
          referenceHmac: hmacOf(credentials.key),
          purpose: 'test',
        },
      }),
    );
    const audited = JSON.stringify(record.mock.calls);
    for (const hidden of [ENV_VALUE, FILE_VALUE, ENV_NAME, 'gh/token', credentials.token]) {
      expect(audited).not.toContain(hidden);
    }
  });

  it('records an HMAC that is stable for a reference and its key, differs across references, and is not the reference', async () => {
    const accessor = secrets.accessorFor(context, credentials);
    await accessor.get('token');
    await accessor.get('token');
    await secrets.accessorFor(context, { other: credentials.token }).get('other');
    await accessor.get('key');
    const hmacs = record.mock.calls.map(
      ([entry]) => (entry as { details: { referenceHmac: string } }).details.referenceHmac,
    );
    expect(hmacs[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacs[1]).toBe(hmacs[0]);
    // The same reference in another slot is the same reference.
    expect(hmacs[2]).toBe(hmacs[0]);
    expect(hmacs[3]).not.toBe(hmacs[0]);
    expect(hmacs[0]).not.toContain(ENV_NAME);

    // Another service with the same key (another replica) records the same HMAC; another key does not.
    const replica = await serviceWith({ AUDIT_HMAC_KEY: AUDIT_KEY.toString('hex') });
    const otherKey = await serviceWith({ AUDIT_HMAC_KEY: Buffer.alloc(32, 4).toString('hex') });
    record.mockClear();
    await replica.accessorFor(context, credentials).get('token');
    await otherKey.accessorFor(context, credentials).get('token');
    const [fromReplica, fromOtherKey] = record.mock.calls.map(
      ([entry]) => (entry as { details: { referenceHmac: string } }).details.referenceHmac,
    );
    expect(fromReplica).toBe(hmacs[0]);
    expect(fromOtherKey).not.toBe(hmacs[0]);
  });

  it('records the purpose and the actor of each resolution, and a draft without an integration id', async () => {
    await secrets
      .accessorFor({ ...context, purpose: 'health', actor: 'health-poller' }, credentials)
      .get('token');
    await secrets.accessorFor({ ...context, integrationId: null }, credentials).get('token');
    expect(record).toHaveBeenNthCalledWith(
      1,
      expect.objectContaining({
        actor: 'health-poller',
        details: expect.objectContaining({ purpose: 'health' }),
      }),
    );
    expect(record).toHaveBeenNthCalledWith(
      2,
      expect.objectContaining({
        integrationId: null,
        actor: 'alice',
        details: expect.objectContaining({ purpose: 'test' }),
      }),
    );
  });

  it('does not hand out a value whose resolution cannot be audited: the store was asked, the value is dropped', async () => {
    record.mockRejectedValue(new Error('audit_log is read-only today'));
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const asked = jest.fn(async () => 'vault-value-never-handed-out');
    const service = await withResolvers([
      { store: 'vault', refusal: () => undefined, resolve: asked },
    ]);
    const accessor = service.accessorFor(context, credentials);
    const refused = await unavailable(accessor.get('vault'));
    expect(refused.message).toBe(
      "credential 'vault' is unavailable: the audit trail is unavailable, and a credential is handed out only once its access is recorded",
    );
    expect(refused.isTransient).toBe(true);
    expect(refused.cause).toBeUndefined();
    expect(refused.message).not.toContain('vault-value-never-handed-out');
    // Resolved, then refused: the entry was to record the store's real answer.
    expect(asked).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({ action: SECRET_RESOLVED_ACTION }),
    );
    expect(accessor.resolvedValues()).toEqual([]);
    expect(error).toHaveBeenCalledTimes(1);
    const logged = String(error.mock.calls[0]?.[0]);
    expect(logged).toBe(
      "could not audit secret.resolved of credential 'vault' (vault) for integration i-1 (tenant t1): audit_log is read-only today; the credential is not handed out",
    );

    // Once the trail can be written again, the same accessor resolves.
    record.mockResolvedValue(undefined);
    await expect(accessor.get('vault')).resolves.toBe('vault-value-never-handed-out');
  });

  it('hands nothing out from env or file either while the audit trail fails', async () => {
    record.mockRejectedValue(new Error('connection terminated'));
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const accessor = secrets.accessorFor(context, credentials);
    for (const slot of ['token', 'key']) {
      const error = await unavailable(accessor.get(slot));
      expect(error.message).toMatch(/the audit trail is unavailable/);
      expect(error.isTransient).toBe(true);
    }
    expect(accessor.resolvedValues()).toEqual([]);
  });

  it('keeps the reason of a refusal or failure when its entry cannot be written, and logs the audit failure', async () => {
    record.mockRejectedValue(new Error('disk full'));
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const accessor = secrets.accessorFor(context, credentials);
    expect((await unavailable(accessor.get('service'))).message).toBe(
      `credential 'service' is unavailable: ${ENV_NOT_ALLOWED}`,
    );
    expect((await unavailable(accessor.get('unset'))).message).toBe(
      "credential 'unset' is unavailable: environment variable SPEC_SECRETS_UNSET is not set",
    );
    expect(error.mock.calls.map(([line]) => String(line))).toEqual([
      "could not audit secret.refused of credential 'service' (env) for integration i-1 (tenant t1): disk full",
      "could not audit secret.failed of credential 'unset' (env) for integration i-1 (tenant t1): disk full",
    ]);
  });

  it('loads the HMAC key at start, and keeps the embedded mode’s in the data folder', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'secrets-audit-key-'));
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(
            loadServiceConfig({ DATA_DIR: folder, SECRETS_ENV_ALLOW: ENV_ALLOW }),
          ),
          fakeDatabase(record),
          SecretsModule,
        ],
      }).compile();
      jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      await moduleRef.init();
      const text = await readFile(path.join(folder, LOCAL_AUDIT_HMAC_KEY_FILE), 'utf8');
      const key = Buffer.from(text.trim(), 'base64url');
      await moduleRef.get(SecretsService).accessorFor(context, credentials).get('token');
      expect(record).toHaveBeenCalledWith(
        expect.objectContaining({
          details: expect.objectContaining({
            referenceHmac: ReferenceHmac.fromKey(key).of(AuthRef.parse(credentials.token)),
          }),
        }),
      );
      await moduleRef.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('does not start with a broken key file, and resolves nothing with it', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'secrets-audit-key-'));
    try {
      await writeFile(path.join(folder, LOCAL_AUDIT_HMAC_KEY_FILE), 'not a key\n', { mode: 0o600 });
      const moduleRef = await Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(
            loadServiceConfig({ DATA_DIR: folder, SECRETS_ENV_ALLOW: ENV_ALLOW }),
          ),
          fakeDatabase(record),
          SecretsModule,
        ],
      }).compile();
      await expect(moduleRef.init()).rejects.toThrow(
        /audit-hmac-key does not hold a base64url secret of 32 bytes/,
      );
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const accessor = moduleRef.get(SecretsService).accessorFor(context, credentials);
      expect((await unavailable(accessor.get('token'))).message).toMatch(
        /the audit trail is unavailable/,
      );
      expect(record).not.toHaveBeenCalled();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
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
    // Only the store's answer is an access attempt: nothing was asked for the others.
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledWith({
      tenantId: 't1',
      actor: 'alice',
      action: SECRET_FAILED_ACTION,
      integrationId: 'i-1',
      details: {
        slot: 'unset',
        store: 'env',
        referenceHmac: hmacOf(credentials.unset),
        purpose: 'test',
        failure: 'unresolved',
      },
    });
    expect(JSON.stringify(record.mock.calls)).not.toContain('SPEC_SECRETS_UNSET');
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
    expect(record).toHaveBeenCalledWith({
      tenantId: 't1',
      actor: 'alice',
      action: SECRET_REFUSED_ACTION,
      integrationId: 'i-1',
      details: {
        slot: 'service',
        store: 'env',
        referenceHmac: hmacOf(credentials.service),
        purpose: 'test',
      },
    });
    expect(JSON.stringify(record.mock.calls)).not.toContain('AUTH_JWT_SECRET');
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
        expect.objectContaining({
          action: SECRET_RESOLVED_ACTION,
          details: {
            slot: 'vault',
            store: 'vault',
            referenceHmac: hmacOf(credentials.vault),
            purpose: 'test',
          },
        }),
      );
    });

    it("keeps a store's transient failures transient, drops other errors' messages, and audits each failure by its kind", async () => {
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
      expect(record.mock.calls.map(([entry]) => entry)).toEqual([
        expect.objectContaining({
          action: SECRET_FAILED_ACTION,
          details: {
            slot: 'vault',
            store: 'vault',
            referenceHmac: hmacOf(credentials.vault),
            purpose: 'test',
            failure: 'unavailable',
          },
        }),
        expect.objectContaining({
          action: SECRET_FAILED_ACTION,
          details: {
            slot: 'vault',
            store: 'vault',
            referenceHmac: hmacOf('authref://vault/kv/z'),
            purpose: 'test',
            failure: 'store-error',
            errorName: 'Error',
          },
        }),
      ]);
      const audited = JSON.stringify(record.mock.calls);
      expect(audited).not.toContain('sealed');
      expect(audited).not.toContain('the-secret-itself');
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
