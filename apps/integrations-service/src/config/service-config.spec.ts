import path from 'node:path';
import { ConfigError } from './config.error';
import { loadServiceConfig } from './service-config';

describe('loadServiceConfig', () => {
  it('runs with no configuration: embedded database, local auth, a printed token', () => {
    const config = loadServiceConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      databaseUrl: undefined,
      dataDir: path.resolve('.data'),
      auth: { mode: 'local' },
      plugins: [],
      printToken: true,
      health: { offline: false, checkTimeoutMs: 10_000 },
      logging: { level: 'info' },
    });
  });

  it('reads PostgreSQL, HS256 and extra plugins', () => {
    const config = loadServiceConfig({
      DATABASE_URL: 'postgres://u@db:5432/x',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      INTEGRATIONS_PLUGINS: ' @acme/a, @acme/b ,,',
      PORT: '0',
      INTEGRATIONS_OFFLINE: 'true',
    });
    expect(config.databaseUrl).toBe('postgres://u@db:5432/x');
    expect(config.auth).toEqual({ mode: 'hs256', secret: 'x'.repeat(32) });
    expect(config.plugins).toEqual(['@acme/a', '@acme/b']);
    expect(config.port).toBe(0);
    // Each module's slice carries what that module reads.
    expect(config.health.offline).toBe(true);
    expect(config.printToken).toBe(false);
  });

  it('bounds how long a client may take to send a request, with defaults', () => {
    expect(loadServiceConfig({})).toMatchObject({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(
      loadServiceConfig({
        REQUEST_TIMEOUT_MS: '2000',
        HEADERS_TIMEOUT_MS: '1000',
        KEEP_ALIVE_TIMEOUT_MS: '500',
      }),
    ).toMatchObject({ requestTimeoutMs: 2_000, headersTimeoutMs: 1_000, keepAliveTimeoutMs: 500 });
    expect(() =>
      loadServiceConfig({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' }),
    ).toThrow(/HEADERS_TIMEOUT_MS \(2000\) must not exceed REQUEST_TIMEOUT_MS/);
    expect(() => loadServiceConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(
      /REQUEST_TIMEOUT_MS must be/,
    );
  });

  it('bounds every database wait, with defaults, the client bound above the server one', () => {
    expect(loadServiceConfig({}).databaseTimeouts).toEqual({
      connectMs: 5_000,
      statementMs: 5_000,
      queryMs: 7_000,
    });
    expect(
      loadServiceConfig({
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_STATEMENT_TIMEOUT_MS: '2000',
        DATABASE_QUERY_TIMEOUT_MS: '3000',
      }).databaseTimeouts,
    ).toEqual({ connectMs: 1_000, statementMs: 2_000, queryMs: 3_000 });
    expect(() =>
      loadServiceConfig({
        DATABASE_STATEMENT_TIMEOUT_MS: '8000',
        DATABASE_QUERY_TIMEOUT_MS: '8000',
      }),
    ).toThrow(/DATABASE_QUERY_TIMEOUT_MS \(8000\) must exceed DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(() => loadServiceConfig({ DATABASE_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(
      /DATABASE_CONNECT_TIMEOUT_MS must be/,
    );
  });

  it('reads JWKS settings', () => {
    expect(
      loadServiceConfig({
        AUTH_JWKS_URL: 'https://idp.example/jwks.json',
        AUTH_ISSUER: 'https://idp.example/',
        AUTH_AUDIENCE: 'integrations',
      }).auth,
    ).toEqual({
      mode: 'jwks',
      jwksUrl: 'https://idp.example/jwks.json',
      issuer: 'https://idp.example/',
      audience: 'integrations',
    });
  });

  it('scopes secrets: no variable allowed and every store open by default', () => {
    expect(loadServiceConfig({})).toMatchObject({
      secretsEnvAllow: [],
      secretsTenantStores: undefined,
    });
    const config = loadServiceConfig({
      SECRETS_ENV_ALLOW: 'GITHUB_APP_*,HARBOR_ROBOT',
      SECRETS_TENANT_STORES: 'acme=env,file;*=file',
    });
    expect(config.secretsEnvAllow).toEqual(['GITHUB_APP_*', 'HARBOR_ROBOT']);
    expect(config.secretsTenantStores).toEqual(
      new Map([
        ['acme', ['env', 'file']],
        ['*', ['file']],
      ]),
    );
  });

  it.each([
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ AUTH_JWT_SECRET: 'short' }, /at least 32 bytes/],
    [{ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://a/j' }, /not both/],
    [{ AUTH_JWKS_URL: 'https://a/j' }, /needs AUTH_ISSUER and AUTH_AUDIENCE/],
    [{ AUTH_JWKS_URL: 'not a url', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' }, /is not a URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ INTEGRATIONS_OFFLINE: 'maybe' }, /INTEGRATIONS_OFFLINE must be true or false/],
    [{ CHECK_TIMEOUT_MS: '5' }, /CHECK_TIMEOUT_MS must be an integer from 100/],
    [{ SECRETS_ENV_ALLOW: 'GITHUB_*,DATABASE_URL' }, /SECRETS_ENV_ALLOW names DATABASE_URL/],
    [{ SECRETS_ENV_ALLOW: '*' }, /SECRETS_ENV_ALLOW must not allow every variable/],
    [{ SECRETS_TENANT_STORES: 'acme' }, /SECRETS_TENANT_STORES entries are tenant=store/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadServiceConfig(env)).toThrow(ConfigError);
    expect(() => loadServiceConfig(env)).toThrow(message);
  });
});
