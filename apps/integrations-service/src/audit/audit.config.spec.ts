import { hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config.error';
import { loadServiceConfig } from '../config/service-config';
import { loadAuditConfig } from './audit.config';

const DATABASE_URL = 'postgres://u@db:5432/x';
const JWT_SECRET = 'j'.repeat(40);

function configuredKey(env: Record<string, string>): Buffer {
  const source = loadAuditConfig(env).hmacKey;
  if (source.from !== 'AUDIT_HMAC_KEY') throw new Error(`key from ${source.from}`);
  return source.key;
}

function refusal(env: Record<string, string>): string {
  try {
    loadAuditConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAuditConfig', () => {
  const key = randomBytes(32);

  it('takes AUDIT_HMAC_KEY as hex, base64 or base64url, padded or not, whatever the database', () => {
    const spellings = [
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
      key.toString('base64'),
      key.toString('base64').replace(/=$/, ''),
      key.toString('base64url'),
      ` ${key.toString('base64')}\n`,
    ];
    for (const spelling of spellings) {
      expect(configuredKey({ AUDIT_HMAC_KEY: spelling })).toEqual(key);
      expect(configuredKey({ AUDIT_HMAC_KEY: spelling, DATABASE_URL })).toEqual(key);
    }
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(33).toString('base64')],
    ['hex of 31 bytes', randomBytes(31).toString('hex')],
    ['not base64', `${'!'.repeat(43)}=`],
    ['a non-canonical last character', `${'A'.repeat(42)}B=`],
    ['a passphrase', 'correct horse battery staple, audit edition'],
  ])('refuses a key that is %s, without quoting it', (_label, value) => {
    const message = refusal({ AUDIT_HMAC_KEY: value });
    expect(message).toMatch(/^AUDIT_HMAC_KEY must be 32 random bytes, base64 or hex encoded/);
    expect(message).not.toContain(value);
  });

  it('keeps a key in the data folder for the embedded database', () => {
    expect(loadAuditConfig({}).hmacKey).toEqual({ from: 'data-folder' });
    expect(loadAuditConfig({ AUTH_JWT_SECRET: JWT_SECRET }).hmacKey).toEqual({
      from: 'data-folder',
    });
  });

  it('derives the key from AUTH_JWT_SECRET with HKDF-SHA256 on PostgreSQL, the same on every replica', () => {
    const first = loadAuditConfig({ DATABASE_URL, AUTH_JWT_SECRET: JWT_SECRET }).hmacKey;
    const second = loadAuditConfig({ DATABASE_URL, AUTH_JWT_SECRET: JWT_SECRET }).hmacKey;
    const expected = Buffer.from(
      hkdfSync(
        'sha256',
        JWT_SECRET,
        'stellaops-integrations',
        'audit trail: credential reference HMAC v1',
        32,
      ),
    );
    expect(first).toEqual({ from: 'AUTH_JWT_SECRET', key: expected });
    expect(second).toEqual(first);
    const other = loadAuditConfig({ DATABASE_URL, AUTH_JWT_SECRET: 'k'.repeat(40) }).hmacKey;
    expect(other).not.toEqual(first);
    if (first.from !== 'AUTH_JWT_SECRET') throw new Error('not derived');
    expect(first.key.equals(Buffer.from(JWT_SECRET).subarray(0, 32))).toBe(false);
  });

  it('refuses PostgreSQL with JWKS auth and no AUDIT_HMAC_KEY: replicas could not agree', () => {
    expect(refusal({ DATABASE_URL, AUTH_JWKS_URL: 'https://idp.example/jwks.json' })).toMatch(
      /^AUDIT_HMAC_KEY must be set with DATABASE_URL and AUTH_JWKS_URL/,
    );
    // Local auth keeps its JWT secret in the data folder, and the audit key beside it.
    expect(loadAuditConfig({ DATABASE_URL }).hmacKey).toEqual({ from: 'data-folder' });
    expect(() =>
      loadServiceConfig({
        DATABASE_URL,
        AUTH_JWKS_URL: 'https://idp.example/jwks.json',
        AUTH_ISSUER: 'https://idp.example/',
        AUTH_AUDIENCE: 'integrations',
      }),
    ).toThrow(/AUDIT_HMAC_KEY must be set with DATABASE_URL/);
    expect(
      loadServiceConfig({
        DATABASE_URL,
        AUTH_JWKS_URL: 'https://idp.example/jwks.json',
        AUTH_ISSUER: 'https://idp.example/',
        AUTH_AUDIENCE: 'integrations',
        AUDIT_HMAC_KEY: key.toString('base64'),
      }).audit.hmacKey,
    ).toEqual({ from: 'AUDIT_HMAC_KEY', key });
  });
});
