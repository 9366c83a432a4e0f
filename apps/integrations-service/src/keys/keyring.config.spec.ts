import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config.error';
import { loadKeyringConfig } from './keyring.config';

const A = randomBytes(32);
const B = randomBytes(32);
const ring = `A:${A.toString('base64')}, B:${B.toString('base64')}`;

describe('loadKeyringConfig', () => {
  it('reads INTEGRATIONS_ENCRYPTION_KEYS with the active key named', () => {
    const config = loadKeyringConfig({
      INTEGRATIONS_ENCRYPTION_KEYS: ring,
      INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'B',
    });
    expect(config).toEqual({
      source: 'INTEGRATIONS_ENCRYPTION_KEYS',
      keys: [
        { id: 'A', key: A },
        { id: 'B', key: B },
      ],
      activeKeyId: 'B',
    });
  });

  it('makes the only key active by default, and takes URL-safe or unpadded base64', () => {
    const urlSafe = A.toString('base64url');
    expect(loadKeyringConfig({ INTEGRATIONS_ENCRYPTION_KEYS: `k-1_x:${urlSafe}` })).toEqual({
      source: 'INTEGRATIONS_ENCRYPTION_KEYS',
      keys: [{ id: 'k-1_x', key: A }],
      activeKeyId: 'k-1_x',
    });
  });

  it('reads CREDENTIALS_ENCRYPTION_KEY (base64 or hex) as a ring of one key with no id of its own', () => {
    for (const text of [A.toString('base64'), A.toString('hex')]) {
      expect(loadKeyringConfig({ CREDENTIALS_ENCRYPTION_KEY: text })).toEqual({
        source: 'CREDENTIALS_ENCRYPTION_KEY',
        keys: [{ key: A }],
        activeKeyId: undefined,
      });
    }
    expect(loadKeyringConfig({})).toEqual({ source: 'none', keys: [], activeKeyId: undefined });
    expect(loadKeyringConfig({ CREDENTIALS_ENCRYPTION_KEY: '  ' }).source).toBe('none');
  });

  it('accepts both variables when the single key is one of the ring', () => {
    const config = loadKeyringConfig({
      CREDENTIALS_ENCRYPTION_KEY: A.toString('hex'),
      INTEGRATIONS_ENCRYPTION_KEYS: ring,
      INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'B',
    });
    expect(config.keys.map((key) => key.id)).toEqual(['A', 'B']);
  });

  it.each([
    [
      'two keys and no active one',
      { INTEGRATIONS_ENCRYPTION_KEYS: ring },
      /has 2 keys \(A, B\): set INTEGRATIONS_ENCRYPTION_ACTIVE_KEY/,
    ],
    [
      'an active key that is not in the ring',
      { INTEGRATIONS_ENCRYPTION_KEYS: ring, INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'C' },
      /INTEGRATIONS_ENCRYPTION_ACTIVE_KEY is "C", which is not one of INTEGRATIONS_ENCRYPTION_KEYS \(A, B\)/,
    ],
    [
      'an active key without a ring',
      { CREDENTIALS_ENCRYPTION_KEY: A.toString('base64'), INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'A' },
      /names a key of INTEGRATIONS_ENCRYPTION_KEYS, which is not set/,
    ],
    [
      'a single key that is not in the ring',
      {
        CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        INTEGRATIONS_ENCRYPTION_KEYS: ring,
        INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'B',
      },
      /CREDENTIALS_ENCRYPTION_KEY is set and is not one of INTEGRATIONS_ENCRYPTION_KEYS \(A, B\): add it to the ring/,
    ],
    [
      'an id given twice',
      { INTEGRATIONS_ENCRYPTION_KEYS: `A:${A.toString('base64')},A:${B.toString('base64')}` },
      /the id "A" is given twice/,
    ],
    [
      'one key under two ids',
      {
        INTEGRATIONS_ENCRYPTION_KEYS: `A:${A.toString('base64')},B:${A.toString('base64')}`,
        INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'A',
      },
      /keys "A" and "B" are the same key/,
    ],
    [
      'an entry with no id',
      { INTEGRATIONS_ENCRYPTION_KEYS: A.toString('base64') },
      /entry 1 has no id/,
    ],
    [
      'an empty entry',
      { INTEGRATIONS_ENCRYPTION_KEYS: `A:${A.toString('base64')},,` },
      /entry 2 is empty/,
    ],
    [
      'an id with a space',
      { INTEGRATIONS_ENCRYPTION_KEYS: `a b:${A.toString('base64')}` },
      /the id of entry 1 is not valid/,
    ],
    [
      'an id of 33 characters',
      { INTEGRATIONS_ENCRYPTION_KEYS: `${'x'.repeat(33)}:${A.toString('base64')}` },
      /the id of entry 1 is not valid/,
    ],
    [
      'a key of 16 bytes',
      { INTEGRATIONS_ENCRYPTION_KEYS: `A:${randomBytes(16).toString('base64')}` },
      /key "A" is not 32 bytes in base64/,
    ],
    [
      'a hex key in the ring (base64 only)',
      { INTEGRATIONS_ENCRYPTION_KEYS: `A:${A.toString('hex')}` },
      /key "A" is not 32 bytes in base64/,
    ],
    [
      'base64 with stray characters',
      { INTEGRATIONS_ENCRYPTION_KEYS: `A:${A.toString('base64')}!!` },
      /key "A" is not 32 bytes in base64/,
    ],
    [
      'a single key that is not 32 bytes',
      { CREDENTIALS_ENCRYPTION_KEY: 'short' },
      /CREDENTIALS_ENCRYPTION_KEY must be 32 random bytes, base64 or hex encoded/,
    ],
  ])('refuses %s with a ConfigError', (_, env, message) => {
    expect(() => loadKeyringConfig(env)).toThrow(ConfigError);
    expect(() => loadKeyringConfig(env)).toThrow(message);
  });

  it('never puts key material in a message', () => {
    const bad = `${randomBytes(20).toString('base64')}`;
    let message = '';
    try {
      loadKeyringConfig({ INTEGRATIONS_ENCRYPTION_KEYS: `A:${bad}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/key "A"/);
    expect(message).not.toContain(bad);
  });
});
