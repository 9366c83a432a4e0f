import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config.error';
import { EnvAllowList, parseEnvAllowList } from './env-allow-list';
import { isServiceVariable } from './service-variables';

describe('parseEnvAllowList', () => {
  it('reads names and prefixes, comma-separated; nothing when unset', () => {
    expect(parseEnvAllowList(undefined)).toEqual([]);
    expect(parseEnvAllowList(' ,')).toEqual([]);
    expect(parseEnvAllowList(' GITHUB_APP_*, HARBOR_ROBOT ,,HARBOR_ROBOT')).toEqual([
      'GITHUB_APP_*',
      'HARBOR_ROBOT',
    ]);
  });

  it.each([
    ['*', /must not allow every variable/],
    ['GITHUB_*,*', /must not allow every variable/],
    ['A*B', /variable names or prefixes ending in \*.*'A\*B'/],
    ['github-token', /variable names or prefixes ending in \*/],
    ['AUTH_JWT_SECRET', /names AUTH_JWT_SECRET, one of the service's own variables/],
    ['HARBOR_ROBOT,DATABASE_URL', /names DATABASE_URL/],
    ['PATH', /names PATH/],
    ['path', /names path/],
    ['NODE_OPTIONS', /names NODE_OPTIONS/],
    ['CREDENTIALS_ENCRYPTION_KEY', /names CREDENTIALS_ENCRYPTION_KEY/],
  ])('refuses %s at start', (raw, message) => {
    expect(() => parseEnvAllowList(raw)).toThrow(ConfigError);
    expect(() => parseEnvAllowList(raw)).toThrow(message);
  });
});

describe('EnvAllowList', () => {
  const list = new EnvAllowList(['GITHUB_APP_*', 'HARBOR_ROBOT', 'A*', 'D*']);

  it('allows the names and prefixes listed, exactly', () => {
    expect(list.allows('HARBOR_ROBOT')).toBe(true);
    expect(list.allows('GITHUB_APP_KEY')).toBe(true);
    expect(list.allows('GITHUB_APP_')).toBe(true);
    expect(list.allows('HARBOR_ROBOT_2')).toBe(false);
    expect(list.allows('harbor_robot')).toBe(false);
    expect(list.allows('GITHUB_TOKEN')).toBe(false);
    expect(list.allows('a/b')).toBe(false);
  });

  it("never allows the service's own variables, even through a prefix", () => {
    for (const name of [
      'AUTH_JWT_SECRET',
      'AUTH_ISSUER',
      'AWS_SECRET_ACCESS_KEY',
      'DATABASE_URL',
    ]) {
      expect(list.allows(name)).toBe(false);
    }
    expect(list.allows('ACME_TOKEN')).toBe(true);
    expect(list.allows('DEPLOY_KEY')).toBe(true);
  });

  it('says which prefixes also match service variables', () => {
    const warnings = list.warnings();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^SECRETS_ENV_ALLOW entry A\* also matches the service's own variables \(.*AUTH_\*.*AWS_\*.*\): those stay refused/,
    );
    expect(warnings[1]).toMatch(/entry D\* .*DATABASE_\*, DATA_DIR, DYLD_\*/);
    expect(new EnvAllowList(['GITHUB_APP_*', 'HARBOR_ROBOT']).warnings()).toEqual([]);
    expect(new EnvAllowList(['AUTH_JWT_*']).warnings()[0]).toMatch(
      /entry AUTH_JWT_\* .*\(AUTH_\*\)/,
    );
  });
});

describe('isServiceVariable', () => {
  it('covers every variable the service configuration reads', () => {
    // Read from the sources (the service's configuration and every module's slice of it), so that
    // a variable added to the configuration is covered or fails here.
    const root = path.join(__dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
      /(^|\/)([a-z-]+\.config|service-config|outbound-config)\.ts$/.test(file),
    );
    expect(files).toEqual(
      expect.arrayContaining([
        path.join('config', 'service-config.ts'),
        path.join('health', 'health.config.ts'),
        path.join('events', 'events.config.ts'),
      ]),
    );
    const read = files.flatMap((file) =>
      [
        ...readFileSync(path.join(root, file), 'utf8').matchAll(/env(?:, |\[)'([A-Z][A-Z0-9_]*)'/g),
      ].map((match) => match[1]),
    );
    expect(read.length).toBeGreaterThan(35);
    expect(read.filter((name) => name !== undefined && !isServiceVariable(name))).toEqual([]);
  });

  it('covers the runtime, the PostgreSQL client, proxies and the cloud identity of the host', () => {
    for (const name of [
      'PATH',
      'HOME',
      'NODE_OPTIONS',
      'npm_config_userconfig',
      'PGPASSWORD',
      'PGSSLKEY',
      'HTTPS_PROXY',
      'https_proxy',
      'AWS_SECRET_ACCESS_KEY',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'AZURE_CLIENT_SECRET',
      'OUTBOUND_ALLOW_CIDRS',
      'PLUGINS_DIR',
      'NATS_URL',
      'TEST_DATABASE_URL',
      'EMBEDDED_POSTGRES_USER',
    ]) {
      expect(isServiceVariable(name)).toBe(true);
    }
    for (const name of ['GITHUB_APP_KEY', 'HARBOR_ROBOT', 'PGP_SIGNING_KEY', 'ACME_TOKEN']) {
      expect(isServiceVariable(name)).toBe(false);
    }
  });
});
