import { AuthRef } from '@stellaops/integrations-core';
import {
  VAULT_TENANT_HAS_NO_PREFIX,
  dataPath,
  describeSecret,
  tenantPolicyPath,
  vaultLocation,
} from './vault-location';

const PREFIX = ['tenants', '{tenant}'];

function locate(uri: string, tenant = 'acme', prefix = PREFIX) {
  return vaultLocation(AuthRef.parse(uri), tenant, prefix);
}

function refusal(uri: string, tenant = 'acme'): string {
  const location = locate(uri, tenant);
  if (!('refusal' in location)) throw new Error(`${uri} was not refused`);
  return location.refusal;
}

describe('vaultLocation', () => {
  it('takes the first segment as the mount and puts the tenant prefix before the path', () => {
    const location = locate('authref://vault/secret/github/app#privateKey');
    expect(location).toEqual({
      mount: 'secret',
      path: ['github', 'app'],
      prefix: ['tenants', 'acme'],
      version: undefined,
      key: 'privateKey',
    });
    if ('refusal' in location) return;
    expect(dataPath(location)).toBe('secret/data/tenants/acme/github/app');
    expect(tenantPolicyPath(location)).toBe('secret/data/tenants/acme/*');
    expect(describeSecret(location)).toBe("vault secret 'secret/github/app'");
  });

  it('reads a version from the last segment', () => {
    const location = locate('authref://vault/kv/ci/token@12');
    expect(location).toMatchObject({ mount: 'kv', path: ['ci', 'token'], version: 12 });
    if ('refusal' in location) return;
    expect(describeSecret(location)).toBe("vault secret 'kv/ci/token' (version 12)");
    // An @ inside a name is part of the name.
    expect(locate('authref://vault/kv/bot@example.com')).toMatchObject({
      path: ['bot@example.com'],
      version: undefined,
    });
    expect(locate('authref://vault/kv/a@1@2')).toMatchObject({ path: ['a@1'], version: 2 });
  });

  it.each(['authref://vault/kv/token@0', 'authref://vault/kv/token@007', 'authref://vault/kv/@3'])(
    'refuses %s, which is no version',
    (uri) => {
      expect(refusal(uri)).toMatch(/is not a version: versions are 1 or more/);
    },
  );

  it('follows the configured prefix', () => {
    expect(
      locate('authref://vault/kv/x', 'globex', ['org', '{tenant}', 'integrations']),
    ).toMatchObject({ prefix: ['org', 'globex', 'integrations'] });
  });

  it('refuses a reference without a secret, to a system path, or written with data/', () => {
    expect(refusal('authref://vault/secret')).toMatch(/names a mount but no secret/);
    for (const mount of ['sys', 'auth', 'identity', 'cubbyhole']) {
      expect(refusal(`authref://vault/${mount}/x`)).toBe(
        `'${mount}' is a Vault system path, not a KV version 2 mount`,
      );
    }
    expect(refusal('authref://vault/kv/data/github')).toMatch(
      /starts with 'data\/', which the vault store adds itself/,
    );
    expect(refusal('authref://vault/kv/metadata/github')).toMatch(/starts with 'metadata\/'/);
  });

  it.each(['..', '.', '', 'a/b', 'acme/../globex', '-x', 'é', '{tenant}'])(
    "refuses tenant '%s', whose name is not one plain segment",
    (tenant) => {
      expect(refusal('authref://vault/secret/x', tenant)).toBe(VAULT_TENANT_HAS_NO_PREFIX);
    },
  );

  it('refuses traversal and encoded slashes even in a reference that was never parsed', () => {
    for (const path of [
      'secret/../globex/token',
      'secret/./x',
      'secret//x',
      'secret/a%2F..%2Fglobex',
      'secret/a\\b',
    ]) {
      const forged = { store: 'vault', path, key: undefined } as unknown as AuthRef;
      const location = vaultLocation(forged, 'acme', PREFIX);
      expect(location).toEqual({
        refusal:
          "its path must stay inside the tenant's prefix (no empty, . or .. segments, no encoded characters)",
      });
    }
  });
});
