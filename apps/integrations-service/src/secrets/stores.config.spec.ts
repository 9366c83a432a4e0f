import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config/config.error';
import { loadSecretStoresConfig } from './stores.config';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('loadSecretStoresConfig', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'stores-config-'));
    await writeFile(path.join(dir, 'ca.pem'), PEM);
    await writeFile(path.join(dir, 'not-a-cert.pem'), 'hello');
    await writeFile(path.join(dir, 'token'), 'authority-token\n');
    await writeFile(path.join(dir, 'empty'), '\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function fails(env: Record<string, string>): string {
    try {
      loadSecretStoresConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('has no remote store and a 30 s cache by default', () => {
    expect(loadSecretStoresConfig({})).toEqual({
      cacheTtlMs: 30_000,
      cacheMaxEntries: 1_000,
      vault: undefined,
      authority: undefined,
    });
  });

  it('allows a cache TTL of 0 and bounds it', () => {
    expect(loadSecretStoresConfig({ SECRETS_CACHE_TTL_MS: '0' }).cacheTtlMs).toBe(0);
    expect(fails({ SECRETS_CACHE_TTL_MS: '-1' })).toMatch(/^SECRETS_CACHE_TTL_MS must be/);
    expect(fails({ SECRETS_CACHE_TTL_MS: 'soon' })).toMatch(/^SECRETS_CACHE_TTL_MS must be/);
    expect(fails({ SECRETS_CACHE_MAX_ENTRIES: '0' })).toMatch(/^SECRETS_CACHE_MAX_ENTRIES/);
  });

  it('reads Vault with a token, the default prefix and timeout', () => {
    expect(
      loadSecretStoresConfig({ VAULT_ADDR: 'https://vault.example:8200/', VAULT_TOKEN: 'hvs.t' })
        .vault,
    ).toEqual({
      address: 'https://vault.example:8200',
      auth: { method: 'token', token: 'hvs.t' },
      namespace: undefined,
      tenantPrefix: ['tenants', '{tenant}'],
      timeoutMs: 5_000,
      caPem: undefined,
    });
  });

  it('reads an AppRole login, a namespace, a prefix, a timeout and a CA file', () => {
    expect(
      loadSecretStoresConfig({
        VAULT_ADDR: 'http://127.0.0.1:8200',
        VAULT_ROLE_ID: 'role',
        VAULT_SECRET_ID: 'secret',
        VAULT_APPROLE_PATH: '/team/approle/',
        VAULT_NAMESPACE: 'platform/integrations/',
        VAULT_TENANT_PREFIX: '/integrations/{tenant}/creds',
        VAULT_TIMEOUT_MS: '750',
        VAULT_CA_FILE: path.join(dir, 'ca.pem'),
      }).vault,
    ).toEqual({
      address: 'http://127.0.0.1:8200',
      auth: { method: 'approle', roleId: 'role', secretId: 'secret', mountPath: 'team/approle' },
      namespace: 'platform/integrations',
      tenantPrefix: ['integrations', '{tenant}', 'creds'],
      timeoutMs: 750,
      caPem: PEM,
    });
  });

  it.each([
    [{ VAULT_TOKEN: 'x' }, /^VAULT_TOKEN is set but VAULT_ADDR is not/],
    [{ VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' }, /^VAULT_ROLE_ID, VAULT_SECRET_ID are set/],
    [{ VAULT_ADDR: 'vault:8200', VAULT_TOKEN: 'x' }, /^VAULT_ADDR must be an http/],
    [{ VAULT_ADDR: 'not a url', VAULT_TOKEN: 'x' }, /^VAULT_ADDR is not a URL/],
    [{ VAULT_ADDR: 'https://u:p@vault', VAULT_TOKEN: 'x' }, /^VAULT_ADDR must not hold/],
    [{ VAULT_ADDR: 'https://vault?x=1', VAULT_TOKEN: 'x' }, /^VAULT_ADDR must have no query/],
    [{ VAULT_ADDR: 'https://vault' }, /^VAULT_ADDR needs a credential/],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_ROLE_ID: 'r' },
      /^set either VAULT_TOKEN or VAULT_ROLE_ID/,
    ],
    [{ VAULT_ADDR: 'https://vault', VAULT_ROLE_ID: 'r' }, /VAULT_SECRET_ID is not set/],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_APPROLE_PATH: 'approle' },
      /^VAULT_APPROLE_PATH is for AppRole/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_TENANT_PREFIX: 'shared' },
      /^VAULT_TENANT_PREFIX must hold \{tenant\} once/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_TENANT_PREFIX: '{tenant}/{tenant}' },
      /^VAULT_TENANT_PREFIX must hold \{tenant\} once/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_TENANT_PREFIX: 't-{tenant}' },
      /^VAULT_TENANT_PREFIX: each segment/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_TENANT_PREFIX: 'a/../{tenant}' },
      /^VAULT_TENANT_PREFIX: each segment/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_NAMESPACE: 'a//b' },
      /^VAULT_NAMESPACE: each segment/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_TIMEOUT_MS: '10' },
      /^VAULT_TIMEOUT_MS/,
    ],
    [
      { VAULT_ADDR: 'https://vault', VAULT_TOKEN: 'x', VAULT_CA_FILE: 'missing-ca.pem' },
      /^VAULT_CA_FILE cannot be read \(ENOENT\)/,
    ],
  ])('refuses a bad Vault configuration, naming the variable (%j)', (env, expected) => {
    expect(fails(env)).toMatch(expected);
  });

  it('refuses a CA file without a certificate', () => {
    expect(
      fails({
        VAULT_ADDR: 'https://vault',
        VAULT_TOKEN: 'x',
        VAULT_CA_FILE: path.join(dir, 'not-a-cert.pem'),
      }),
    ).toMatch(/^VAULT_CA_FILE holds no PEM certificate/);
  });

  it('reads the Authority with a token or a token file', () => {
    expect(
      loadSecretStoresConfig({
        AUTHORITY_URL: 'https://authority.example/api/',
        AUTHORITY_TOKEN: 't',
      }).authority,
    ).toEqual({
      url: 'https://authority.example/api',
      credential: { kind: 'token', token: 't' },
      timeoutMs: 5_000,
      caPem: undefined,
    });
    const file = path.join(dir, 'token');
    expect(
      loadSecretStoresConfig({
        AUTHORITY_URL: 'https://authority.example',
        AUTHORITY_TOKEN_FILE: file,
        AUTHORITY_TIMEOUT_MS: '2000',
      }).authority,
    ).toEqual({
      url: 'https://authority.example',
      credential: { kind: 'file', path: file },
      timeoutMs: 2_000,
      caPem: undefined,
    });
  });

  it.each([
    [{ AUTHORITY_TOKEN: 't' }, /^AUTHORITY_TOKEN is set but AUTHORITY_URL is not/],
    [{ AUTHORITY_URL: 'https://a' }, /^AUTHORITY_URL needs the service's credential/],
    [
      { AUTHORITY_URL: 'https://a', AUTHORITY_TOKEN: 't', AUTHORITY_TOKEN_FILE: '/x' },
      /^set either AUTHORITY_TOKEN or AUTHORITY_TOKEN_FILE/,
    ],
    [
      { AUTHORITY_URL: 'https://a', AUTHORITY_TOKEN_FILE: 'missing-token' },
      /^AUTHORITY_TOKEN_FILE cannot be read \(ENOENT\)/,
    ],
    [{ AUTHORITY_URL: 'ftp://a', AUTHORITY_TOKEN: 't' }, /^AUTHORITY_URL must be an http/],
    [
      { AUTHORITY_URL: 'https://a', AUTHORITY_TOKEN: 't', AUTHORITY_TIMEOUT_MS: '0' },
      /^AUTHORITY_TIMEOUT_MS/,
    ],
  ])('refuses a bad Authority configuration, naming the variable (%j)', (env, expected) => {
    expect(fails(env)).toMatch(expected);
  });

  it('refuses an empty token file', () => {
    expect(
      fails({ AUTHORITY_URL: 'https://a', AUTHORITY_TOKEN_FILE: path.join(dir, 'empty') }),
    ).toBe('AUTHORITY_TOKEN_FILE is empty');
  });
});
