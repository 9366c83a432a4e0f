import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { CredentialsKeyring, keyFingerprint } from './credentials-keyring';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

const TENANT = 'tenant-a';
const ID = '5f0c6f0e-8d7e-4a43-9b51-52f1c1f0b1aa';
const OTHER_ID = '00000000-0000-4000-8000-000000000000';
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

function ring(activeKeyId = 'B'): CredentialsKeyring {
  return CredentialsKeyring.create({
    keys: [
      { id: 'A', key: KEY_A },
      { id: 'B', key: KEY_B },
    ],
    activeKeyId,
  });
}

/** An envelope exactly as the single-key codec sealed credentials before keyrings existed. */
function legacyEnvelope(key: Buffer, value: unknown, tenantId: string, id: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`integrations:${tenantId}:${id}`, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    $encrypted: 'aes-256-gcm/v1',
    kid: createHash('sha256').update(key).digest('hex').slice(0, 16),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

function flipped(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64');
}

describe('CredentialsKeyring', () => {
  describe('building a ring', () => {
    it('names its keys and the active one; a single key is active by default', () => {
      expect(ring()).toMatchObject({ keyIds: ['A', 'B'], activeKeyId: 'B', encrypts: true });
      const single = CredentialsKeyring.create({ keys: [{ id: 'only', key: KEY_A }] });
      expect(single.activeKeyId).toBe('only');
    });

    it('takes keys as bytes, base64 or hex', () => {
      const sealed = ring().seal('x', TENANT, ID, 'credentials');
      for (const key of [KEY_B.toString('base64'), KEY_B.toString('hex')]) {
        const same = CredentialsKeyring.create({ keys: [{ id: 'B', key }] });
        expect(same.open(sealed, TENANT, ID, 'credentials')).toBe('x');
      }
    });

    it('names a key given without an id by its fingerprint', () => {
      const legacy = CredentialsKeyring.fromEncryptionKey(KEY_A.toString('base64'));
      expect(legacy.keyIds).toEqual([keyFingerprint(KEY_A)]);
      expect(legacy.activeKeyId).toMatch(/^[0-9a-f]{16}$/);
      expect(CredentialsKeyring.fromEncryptionKey(undefined).encrypts).toBe(false);
    });

    it.each([
      [
        'two keys and no active one',
        {
          keys: [
            { id: 'A', key: KEY_A },
            { id: 'B', key: KEY_B },
          ],
        },
        /has 2 keys \(A, B\): name the active one/,
      ],
      [
        'an active key that is not in the ring',
        { keys: [{ id: 'A', key: KEY_A }], activeKeyId: 'C' },
        /the active key "C" is not in the keyring \(A\)/,
      ],
      [
        'an active key with no keys at all',
        { keys: [], activeKeyId: 'C' },
        /not in the keyring \(empty\)/,
      ],
      [
        'an id given twice',
        {
          keys: [
            { id: 'A', key: KEY_A },
            { id: 'A', key: KEY_B },
          ],
          activeKeyId: 'A',
        },
        /key id "A" is given twice/,
      ],
      [
        'one key under two ids',
        {
          keys: [
            { id: 'A', key: KEY_A },
            { id: 'B', key: KEY_A },
          ],
          activeKeyId: 'A',
        },
        /keys "A" and "B" are the same key/,
      ],
      [
        'an id that is another key’s fingerprint',
        {
          keys: [
            { id: 'A', key: KEY_A },
            { id: keyFingerprint(KEY_A), key: KEY_B },
          ],
          activeKeyId: 'A',
        },
        /one is the fingerprint of the other key/,
      ],
      ['an id with a colon', { keys: [{ id: 'a:b', key: KEY_A }] }, /key id "a:b" is not valid/],
      ['an id of 33 characters', { keys: [{ id: 'x'.repeat(33), key: KEY_A }] }, /is not valid/],
      [
        'a key of 16 bytes',
        { keys: [{ id: 'A', key: randomBytes(16) }] },
        /key "A" must be 32 random bytes \(got 16\)/,
      ],
      [
        'a text that is not 32 bytes',
        { keys: [{ id: 'A', key: 'not a key' }] },
        /key "A" must be 32 random bytes, base64 or hex encoded/,
      ],
    ])('refuses %s', (_, options, message) => {
      expect(() => CredentialsKeyring.create(options)).toThrow(message);
    });
  });

  describe('sealing and opening', () => {
    it('seals any JSON value under the active key id, and opens it with the same ring', () => {
      const keyring = ring();
      for (const value of [{ token: 'authref://env/T' }, 'secret', 42, [1, 'two'], null]) {
        const sealed = keyring.seal(value, TENANT, ID, 'settings.clientSecret');
        expect(sealed).toEqual({
          $encrypted: 'aes-256-gcm/v1',
          kid: 'B',
          iv: expect.any(String),
          tag: expect.any(String),
          data: expect.any(String),
        });
        expect(keyring.open(sealed, TENANT, ID, 'settings.clientSecret')).toEqual(value);
      }
    });

    it('opens what an older active key sealed while that key is in the ring', () => {
      const underA = ring('A').seal({ token: 'authref://env/T' }, TENANT, ID, 'credentials');
      expect(ring('B').open(underA, TENANT, ID, 'credentials')).toEqual({
        token: 'authref://env/T',
      });
      expect(ring('B').isSealedUnderActiveKey(underA)).toBe(false);
      expect(ring('A').isSealedUnderActiveKey(underA)).toBe(true);
    });

    it('opens a legacy envelope (fingerprint kid) under a one-key ring and under a named ring', () => {
      const legacy = legacyEnvelope(KEY_A, { token: 'authref://env/T' }, TENANT, ID);
      const oneKey = CredentialsKeyring.fromEncryptionKey(KEY_A.toString('base64'));
      expect(oneKey.open(legacy, TENANT, ID, 'credentials')).toEqual({ token: 'authref://env/T' });
      expect(oneKey.isSealedUnderActiveKey(legacy)).toBe(true);
      // The same key listed under a name: it still opens what is stamped with its fingerprint.
      expect(ring('A').open(legacy, TENANT, ID, 'credentials')).toEqual({
        token: 'authref://env/T',
      });
      expect(ring('A').isSealedUnderActiveKey(legacy)).toBe(false);
      expect(ring('A').kidsOf('A')).toEqual(['A', keyFingerprint(KEY_A)]);
      expect(oneKey.kidsOf(keyFingerprint(KEY_A))).toEqual([keyFingerprint(KEY_A)]);
      expect(() => ring().kidsOf(keyFingerprint(KEY_A))).toThrow(/is not in the keyring \(A, B\)/);
    });

    it('names the key it lacks, and says when there is none at all', () => {
      const underA = ring('A').seal('x', TENANT, ID, 'credentials');
      const onlyB = CredentialsKeyring.create({ keys: [{ id: 'B', key: KEY_B }] });
      expect(() => onlyB.open(underA, TENANT, ID, 'credentials')).toThrow(
        new CredentialsDecryptionError(
          `the credentials of integration ${ID} were encrypted with another key ("A"), which is not in the keyring (B): add that key`,
        ),
      );
      expect(() => CredentialsKeyring.empty().open(underA, TENANT, ID, 'credentials')).toThrow(
        /are encrypted \(key "A"\) but no encryption key is configured/,
      );
    });

    it('refuses an envelope moved to another row, tenant or field', () => {
      const keyring = ring();
      const sealed = keyring.seal('x', TENANT, ID, 'credentials');
      expect(() => keyring.open(sealed, 'tenant-b', ID, 'credentials')).toThrow(
        /failed authentication under key B: they were altered or belong to another row/,
      );
      expect(() => keyring.open(sealed, TENANT, OTHER_ID, 'credentials')).toThrow(
        CredentialsDecryptionError,
      );
      expect(() => keyring.open(sealed, TENANT, ID, 'settings.token')).toThrow(
        /the sealed value "settings.token" of integration .* belongs to another row or field/,
      );
      const setting = keyring.seal('x', TENANT, ID, 'settings.token');
      expect(() => keyring.open(setting, TENANT, ID, 'settings.other')).toThrow(
        CredentialsDecryptionError,
      );
      expect(() => keyring.open(setting, TENANT, ID, 'credentials')).toThrow(
        CredentialsDecryptionError,
      );
    });

    it.each([
      ['the ciphertext', 'data'],
      ['the tag', 'tag'],
      ['the iv', 'iv'],
    ] as const)('refuses an envelope whose %s was altered, naming no content', (_, part) => {
      const keyring = ring();
      const sealed = keyring.seal({ token: 'authref://env/SECRET' }, TENANT, ID, 'credentials');
      const tampered = { ...sealed, [part]: flipped(sealed[part]) };
      let thrown: unknown;
      try {
        keyring.open(tampered, TENANT, ID, 'credentials');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CredentialsDecryptionError);
      const message = (thrown as Error).message;
      expect(message).toContain(ID);
      expect(message).toMatch(/altered/);
      expect(message).not.toContain(tampered.data);
      expect(message).not.toContain('SECRET');
    });

    it.each([
      ['an unknown format', { $encrypted: 'aes-256-gcm/v9', kid: 'B' }, /unknown format \("aes/],
      ['a kid that is not a text', { $encrypted: 'aes-256-gcm/v1', kid: 7 }, /malformed envelope/],
      [
        'no data',
        { $encrypted: 'aes-256-gcm/v1', kid: 'B', iv: 'AA==', tag: 'AA==' },
        /data must be a text/,
      ],
      [
        'a kid that is not an id',
        { $encrypted: 'aes-256-gcm/v1', kid: 'x'.repeat(500), iv: '', tag: '', data: '' },
        /another key \(an id that is not one \(500 characters\)\)/,
      ],
      ['not an envelope', { token: 'x' }, /are not an encrypted value/],
    ])('refuses %s with a CredentialsDecryptionError', (_, stored, message) => {
      expect(() => ring().open(stored, TENANT, ID, 'credentials')).toThrow(message);
      expect(() => ring().open(stored, TENANT, ID, 'credentials')).toThrow(
        CredentialsDecryptionError,
      );
    });

    it('cannot seal without a key', () => {
      expect(() => CredentialsKeyring.empty().seal('x', TENANT, ID, 'credentials')).toThrow(
        /no key to seal with/,
      );
    });
  });
});
